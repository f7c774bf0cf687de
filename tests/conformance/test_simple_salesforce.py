"""simple-salesforce (a widely used Salesforce REST client) against the sandbox simulator.

The client is built with a session id from the simulator's OAuth endpoint, then its
``base_url`` is pointed at the simulator (it always builds ``https://`` URLs from the
instance name, and calls ``.../query/`` with a trailing slash). Its ``query_all``
follows ``nextRecordsUrl`` by itself, also as an ``https://`` URL on the instance, so
a small transport adapter sends those plain-HTTP requests to the local simulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from sandbox.simulator.server import SandboxServer

simple_salesforce = pytest.importorskip("simple_salesforce")

VERSION = "62.0"
SMALL_BATCH = {"Sforce-Query-Options": "batchSize=200"}  # several pages per query


class _PlainHttp(HTTPAdapter):
    """Sends the client's ``https://<instance>`` requests to the plain-HTTP simulator."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        request.url = "http://" + request.url.removeprefix("https://")
        return super().send(request, **kwargs)


def records(tenant: Path, resource: str) -> list[dict[str, Any]]:
    lines = (tenant / "salesforce" / resource / "part-00000.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def sf(small_tenant: Path) -> Iterator[Any]:
    with SandboxServer(small_tenant).start() as server:
        base = server.url
        login = requests.post(
            base + "/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "cxlake-sandbox",
                "client_secret": "cxlake-sandbox-secret",
            },
            timeout=30,
        )
        assert login.status_code == 200, login.text
        session = requests.Session()
        netloc = urlsplit(base).netloc
        session.mount(f"https://{netloc}/", _PlainHttp())
        client = simple_salesforce.Salesforce(
            instance_url=base, session_id=login.json()["access_token"], version=VERSION, session=session
        )
        client.base_url = f"{base}/services/data/v{VERSION}/"
        yield client


def test_query_all_accounts_with_owner_relationship(sf: Any, small_tenant: Path) -> None:
    written = records(small_tenant, "accounts")
    live = [a for a in written if not a["IsDeleted"]]
    answer = sf.query_all(
        "SELECT Id, Name, Industry, Account_Tier__c, Owner.Name, AnnualRevenue, SystemModstamp FROM Account",
        headers=SMALL_BATCH,
    )
    assert answer["done"] is True
    assert answer["totalSize"] == len(live) > 200  # more than one page was followed
    by_id = {a["Id"]: a for a in live}
    assert sorted(r["Id"] for r in answer["records"]) == sorted(by_id)
    for record in answer["records"]:
        expected = by_id[record["Id"]]
        assert record["attributes"]["type"] == "Account"
        assert record["Owner"]["Name"] == expected["Owner"]["Name"]
        assert record["Account_Tier__c"] == expected["Account_Tier__c"]
        assert record["SystemModstamp"] == expected["SystemModstamp"]


def test_query_all_including_deleted_rows(sf: Any, small_tenant: Path) -> None:
    written = records(small_tenant, "opportunities")
    answer = sf.query_all(
        "SELECT Id, AccountId, StageName, Amount, IsDeleted FROM Opportunity",
        include_deleted=True,
        headers=SMALL_BATCH,
    )
    assert sorted(r["Id"] for r in answer["records"]) == sorted(o["Id"] for o in written)
    deleted = {r["Id"] for r in answer["records"] if r["IsDeleted"]}
    assert deleted == {o["Id"] for o in written if o["IsDeleted"]} and deleted
    live = sf.query_all("SELECT Id FROM Opportunity", headers=SMALL_BATCH)
    assert live["totalSize"] == len(written) - len(deleted)


def test_query_all_filtered_history(sf: Any, small_tenant: Path) -> None:
    written = [h for h in records(small_tenant, "account_history") if not h["IsDeleted"]]
    answer = sf.query_all(
        "SELECT Id, AccountId, Field, OldValue, NewValue, CreatedDate FROM AccountHistory "
        "WHERE Field = 'Account_Tier__c' ORDER BY CreatedDate"
    )
    assert [r["Id"] for r in answer["records"]] == [
        h["Id"] for h in sorted(written, key=lambda h: h["CreatedDate"]) if h["Field"] == "Account_Tier__c"
    ]


def test_describe_account_and_compound_address(sf: Any, small_tenant: Path) -> None:
    described = sf.Account.describe()
    assert described["name"] == "Account" and described["keyPrefix"] == "001"
    fields = {f["name"]: f for f in described["fields"]}
    assert {"Id", "Name", "Industry", "OwnerId", "AnnualRevenue", "BillingAddress", "SystemModstamp"} <= set(
        fields
    )
    assert fields["OwnerId"]["relationshipName"] == "Owner"
    assert fields["OwnerId"]["referenceTo"] == ["User"] and fields["OwnerId"]["type"] == "reference"
    assert fields["Name"]["relationshipName"] is None and fields["Name"]["referenceTo"] == []
    assert fields["BillingAddress"]["type"] == "address"
    assert fields["BillingCity"]["compoundFieldName"] == "BillingAddress"
    assert fields["Account_Tier__c"]["custom"] is True and fields["Industry"]["custom"] is False
    assert {"SMB", "Strategic"} <= {p["value"] for p in fields["Account_Tier__c"]["picklistValues"]}
    # every field the describe names can be selected, and nothing else is needed for the data
    selectable = [n for n, f in fields.items() if f["type"] != "address"] + ["BillingAddress", "Owner.Name"]
    answer = sf.query_all(f"SELECT {', '.join(selectable)} FROM Account", headers=SMALL_BATCH)
    written = {a["Id"]: a for a in records(small_tenant, "accounts") if not a["IsDeleted"]}
    assert answer["totalSize"] == len(written)
    with_address = 0
    for record in answer["records"]:
        address = written[record["Id"]]["BillingAddress"]
        assert record["BillingAddress"] == address
        assert record["BillingCity"] == (address or {}).get("city")
        assert record["BillingPostalCode"] == (address or {}).get("postalCode")
        with_address += address is not None
    assert 0.8 * len(written) < with_address < len(written)  # most accounts, not all
    assert described == sf.Account.describe()  # the same answer each time


@pytest.mark.parametrize("sobject", ["AccountHistory", "Case", "Opportunity"])
def test_describe_other_objects_name_every_written_field(sf: Any, small_tenant: Path, sobject: str) -> None:
    resource = {"AccountHistory": "account_history", "Case": "cases", "Opportunity": "opportunities"}[sobject]
    described = getattr(sf, sobject).describe()
    assert described["name"] == sobject
    names = {f["name"] for f in described["fields"]}
    written = set().union(*(r.keys() for r in records(small_tenant, resource))) - {"attributes"}
    assert written <= names
    account = next(f for f in described["fields"] if f["name"] == "AccountId")
    assert account["relationshipName"] == "Account" and account["referenceTo"] == ["Account"]


def test_describe_of_an_unknown_object_is_not_found(sf: Any) -> None:
    with pytest.raises(simple_salesforce.exceptions.SalesforceResourceNotFound):
        sf.Contract.describe()
