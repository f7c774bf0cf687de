"""The simulator's Salesforce ``sobjects/<Object>/describe`` answers.

Salesforce describes an object as ``{name, label, labelPlural, keyPrefix, custom,
queryable, ..., fields: [...], urls}``; each field carries ``name``, ``label``,
``type``, ``nillable``, ``custom``, ``relationshipName`` and ``referenceTo`` (a
lookup such as ``OwnerId`` has ``relationshipName: "Owner"`` and ``referenceTo:
["User"]``, other fields ``null`` and ``[]``), ``compoundFieldName`` (the parts of
a compound address name it, e.g. ``BillingCity`` -> ``BillingAddress``), lengths,
and the create/update/filter/sort capabilities. This module serves a faithful
subset: the fields of the four objects the sandbox holds, with the tenant's names
for the custom tier and lifetime value fields (none when the org has no such field).
"""

from __future__ import annotations

from typing import Any

# (name, label, type, nillable, options) per object; options: reference target and
# relationship, compound parent, length, precision/scale, picklist values.
_Field = tuple[str, str, str, bool, dict[str, Any]]
_AUDIT: list[_Field] = [
    ("CreatedDate", "Created Date", "datetime", False, {}),
    ("LastModifiedDate", "Last Modified Date", "datetime", False, {}),
    ("SystemModstamp", "System Modstamp", "datetime", False, {}),
    ("IsDeleted", "Deleted", "boolean", False, {}),
]
_ADDRESS_PARTS: list[_Field] = [
    ("BillingStreet", "Billing Street", "textarea", True, {"length": 255, "compound": "BillingAddress"}),
    ("BillingCity", "Billing City", "string", True, {"length": 40, "compound": "BillingAddress"}),
    ("BillingState", "Billing State/Province", "string", True, {"length": 80, "compound": "BillingAddress"}),
    (
        "BillingPostalCode",
        "Billing Zip/Postal Code",
        "string",
        True,
        {"length": 20, "compound": "BillingAddress"},
    ),
    ("BillingCountry", "Billing Country", "string", True, {"length": 80, "compound": "BillingAddress"}),
    (
        "BillingLatitude",
        "Billing Latitude",
        "double",
        True,
        {"digits": (18, 15), "compound": "BillingAddress"},
    ),
    (
        "BillingLongitude",
        "Billing Longitude",
        "double",
        True,
        {"digits": (18, 15), "compound": "BillingAddress"},
    ),
    (
        "BillingGeocodeAccuracy",
        "Billing Geocode Accuracy",
        "picklist",
        True,
        {"compound": "BillingAddress", "picklist": ("Address", "NearAddress", "Block", "Street", "City")},
    ),
    ("BillingAddress", "Billing Address", "address", True, {}),
]
# Parts of the compound address as they appear inside the ``BillingAddress`` value.
ADDRESS_KEYS = {
    "BillingStreet": "street",
    "BillingCity": "city",
    "BillingState": "state",
    "BillingPostalCode": "postalCode",
    "BillingCountry": "country",
    "BillingLatitude": "latitude",
    "BillingLongitude": "longitude",
    "BillingGeocodeAccuracy": "geocodeAccuracy",
}
_ID = ("Id", "Record ID", "id", False, {"length": 18})


def _account(tier_field: str | None, ltv_field: str | None) -> list[_Field]:
    fields: list[_Field] = [
        _ID,
        ("Name", "Account Name", "string", False, {"length": 255}),
        (
            "Type",
            "Account Type",
            "picklist",
            True,
            {"picklist": ("Customer - Direct", "Customer - Channel", "Partner", "Prospect", "Other")},
        ),
        ("Industry", "Industry", "picklist", True, {"picklist": ()}),
        ("OwnerId", "Owner ID", "reference", False, {"reference": ("User", "Owner")}),
        ("AnnualRevenue", "Annual Revenue", "currency", True, {"digits": (18, 0)}),
        *_ADDRESS_PARTS,
    ]
    if tier_field:
        picklist = ("SMB", "Mid-Market", "Enterprise", "Strategic")
        fields.append((tier_field, "Account Tier", "picklist", True, {"picklist": picklist, "custom": True}))
    if ltv_field:
        fields.append(
            (ltv_field, "Customer LTV (USD)", "currency", True, {"digits": (16, 2), "custom": True})
        )
    return fields + _AUDIT


def _objects(tier_field: str | None, ltv_field: str | None) -> dict[str, tuple[str, str, list[_Field]]]:
    """sObject -> (plural label, key prefix, fields)."""
    account_ref = {"reference": ("Account", "Account")}
    return {
        "Account": ("Accounts", "001", _account(tier_field, ltv_field)),
        "AccountHistory": (
            "Account History",
            "017",
            [
                _ID,
                ("AccountId", "Account ID", "reference", False, account_ref),
                ("Field", "Changed Field", "picklist", False, {"picklist": ()}),
                ("OldValue", "Old Value", "anyType", True, {}),
                ("NewValue", "New Value", "anyType", True, {}),
                ("CreatedDate", "Created Date", "datetime", False, {}),
                ("IsDeleted", "Deleted", "boolean", False, {}),
            ],
        ),
        "Case": (
            "Cases",
            "500",
            [
                _ID,
                ("AccountId", "Account ID", "reference", True, account_ref),
                ("CaseNumber", "Case Number", "string", False, {"length": 30}),
                ("Subject", "Subject", "string", True, {"length": 255}),
                (
                    "Status",
                    "Status",
                    "picklist",
                    True,
                    {"picklist": ("New", "Working", "Escalated", "Closed")},
                ),
                (
                    "Type",
                    "Case Type",
                    "picklist",
                    True,
                    {"picklist": ("Problem", "Question", "Feature Request")},
                ),
                ("Priority", "Priority", "picklist", True, {"picklist": ("High", "Medium", "Low")}),
                ("Origin", "Case Origin", "picklist", True, {"picklist": ("Phone", "Email", "Web", "Chat")}),
                ("IsClosed", "Closed", "boolean", False, {}),
                ("ClosedDate", "Closed Date", "datetime", True, {}),
                *_AUDIT,
            ],
        ),
        "Opportunity": (
            "Opportunities",
            "006",
            [
                _ID,
                ("AccountId", "Account ID", "reference", True, account_ref),
                ("Name", "Name", "string", False, {"length": 120}),
                ("StageName", "Stage", "picklist", False, {"picklist": ()}),
                ("Amount", "Amount", "currency", True, {"digits": (18, 2)}),
                ("CloseDate", "Close Date", "date", False, {}),
                ("IsClosed", "Closed", "boolean", False, {}),
                ("IsWon", "Won", "boolean", False, {}),
                *_AUDIT,
            ],
        ),
    }


_SOAP = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "address": "urn:address",
    "anyType": "xsd:anyType",
}
_READ_ONLY = {
    "Id",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "IsDeleted",
    "CaseNumber",
    "IsClosed",
    "IsWon",
}


def _field(name: str, label: str, kind: str, nillable: bool, options: dict[str, Any]) -> dict[str, Any]:
    target, relationship = options.get("reference", (None, None))
    precision, scale = options.get("digits", (0, 0))
    writable = name not in _READ_ONLY and kind not in ("address", "anyType")
    return {
        "name": name,
        "label": label,
        "type": kind,
        "soapType": _SOAP[kind],
        "length": options.get("length", 0),
        "precision": precision,
        "scale": scale,
        "nillable": nillable,
        "custom": bool(options.get("custom")),
        "calculated": False,
        "compoundFieldName": options.get("compound"),
        "relationshipName": relationship,
        "referenceTo": [target] if target else [],
        "createable": writable,
        "updateable": writable,
        "filterable": kind not in ("textarea", "address", "anyType"),
        "sortable": kind not in ("textarea", "address", "anyType"),
        "groupable": kind in ("id", "reference", "string", "picklist", "boolean", "date"),
        "idLookup": name == "Id",
        "unique": False,
        "externalId": False,
        "defaultedOnCreate": name
        in ("Id", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted", "OwnerId"),
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": value, "validFor": None, "value": value}
            for value in options.get("picklist", ())
        ],
    }


def _read_only(field: dict[str, Any]) -> dict[str, Any]:
    """History rows are written by the platform only."""
    return field | {"createable": False, "updateable": False}


def describe(
    sobject: str, version: str, tier_field: str | None, ltv_field: str | None
) -> dict[str, Any] | None:
    """The describe answer of ``sobject`` (None for an object the sandbox does not hold)."""
    found = _objects(tier_field, ltv_field).get(sobject)
    if found is None:
        return None
    plural, prefix, fields = found
    base = f"/services/data/{version}/sobjects/{sobject}"
    history = sobject == "AccountHistory"
    return {
        "name": sobject,
        "label": "Account History" if history else sobject,
        "labelPlural": plural,
        "keyPrefix": prefix,
        "custom": False,
        "customSetting": False,
        "createable": not history,
        "updateable": not history,
        "deletable": not history,
        "undeletable": not history,
        "queryable": True,
        "retrieveable": True,
        "searchable": not history,
        "replicateable": True,
        "triggerable": not history,
        "fields": [_read_only(_field(*spec)) if history else _field(*spec) for spec in fields],
        "childRelationships": [],
        "recordTypeInfos": [],
        "urls": {
            "sobject": base,
            "describe": f"{base}/describe",
            "rowTemplate": f"{base}/{{ID}}",
        },
    }
