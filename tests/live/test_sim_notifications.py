"""The simulator's Notifications API limits: 20 channels per client, 1,000 topics per channel."""

from __future__ import annotations

import requests


def _token(url: str) -> dict[str, str]:
    answer = requests.post(
        f"{url}/oauth/token",
        auth=("cxlake-sandbox", "cxlake-sandbox-secret"),
        data={"grant_type": "client_credentials"},
        timeout=10,
    )
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def test_channel_and_topic_limits(live_stack) -> None:
    stack = live_stack(start_collector=False)
    url, headers = stack.server.url, _token(stack.server.url)
    created = [
        requests.post(f"{url}/api/v2/notifications/channels", headers=headers, timeout=10).json()
        for _ in range(21)
    ]
    listed = {
        c["id"]
        for c in requests.get(f"{url}/api/v2/notifications/channels", headers=headers, timeout=10).json()[
            "entities"
        ]
    }
    assert len(listed) == 20 and created[0]["id"] not in listed and created[-1]["id"] in listed
    assert created[-1]["connectUri"].startswith("ws://127.0.0.1:")
    subscriptions = f"{url}/api/v2/notifications/channels/{created[-1]['id']}/subscriptions"
    queue = stack.world.queue_ids[0]
    too_many = [{"id": f"v2.users.user-{n}?presence&routingStatus"} for n in range(1001)]
    answer = requests.put(subscriptions, headers=headers, json=too_many, timeout=10)
    assert answer.status_code == 400 and "1000" in answer.json()["message"]
    answer = requests.put(subscriptions, headers=headers, json=[{"id": "v2.no.such.topic"}], timeout=10)
    assert answer.status_code == 400
    topic = f"v2.analytics.queues.{queue}.observations"
    answer = requests.post(subscriptions, headers=headers, json=[{"id": topic}], timeout=10)
    assert answer.json()["entities"] == [{"id": topic}]
    assert requests.get(subscriptions, headers=headers, timeout=10).json()["entities"] == [{"id": topic}]
