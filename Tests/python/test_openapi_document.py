"""The OpenAPI document as other tools read it (issue 19, finding 12): served by a real
`almedalen serve`, read with PyYAML (a YAML reader, which refuses raw DEL, C1 controls and
U+2028/U+2029 in its input) and with Python's JSON parser, and judged by the rules the server
applies, read through `re` as a JSON Schema validator would.
"""

from __future__ import annotations

import json
import re

import yaml

# C0 and C1 controls, DEL, U+2028 and U+2029: TextRules.isControl.
CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]")


def fetch_document(service) -> bytes:
    reply = service.a.client().get("/api/v1/openapi.json")
    assert reply.status == 200, reply.describe()
    return reply.body


def walk_strings(value, path="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk_strings(key, f"{path}.<key>")
            yield from walk_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def test_the_document_reads_as_yaml_and_json_alike_with_no_raw_control_character(service):
    raw = fetch_document(service)
    text = raw.decode("utf-8")
    raw_controls = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(text)})
    assert raw_controls == [], f"raw control characters in the document's text: {raw_controls}"

    from_json = json.loads(text)
    # PyYAML refuses a stream with DEL, C1 or U+2028/9 in it ("unacceptable character").
    from_yaml = yaml.safe_load(text)
    assert from_yaml == from_json

    # The patterns say their controls as \uXXXX escapes, so even the parsed strings hold none
    # (only descriptions may hold line breaks, as Markdown).
    patterns = [(path, s) for path, s in walk_strings(from_json) if path.endswith(".pattern")]
    assert len(patterns) > 20
    for path, pattern in patterns:
        assert not CONTROL.search(pattern), (path, pattern)
        re.compile(pattern)


def parameter_schemas(document: dict, name: str) -> list[tuple[str, dict]]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == name and parameter["in"] == "query":
                    found.append((f"{method.upper()} {path}", parameter["schema"]))
    return found


def test_the_query_rules_are_the_servers(service):
    document = json.loads(fetch_document(service))
    client = service.admin
    searches = parameter_schemas(document, "q")
    assert len(searches) >= 7, searches
    for key, schema in searches:
        pattern = re.compile(schema["pattern"])
        limit = schema["maxLength"]
        # What the schema allows, the server answers; what it refuses, the server refuses.
        assert pattern.search("a" * limit) and pattern.search("")
        assert not pattern.search("a\u0085b") and not pattern.search("a\u001bb")
    assert client.get(f"/api/v1/events?q={'a' * limit}").status == 200
    assert client.get(f"/api/v1/events?q={'a' * (limit + 1)}").status == 422
    assert client.get("/api/v1/events?q=a%C2%85b").status == 422
    assert client.get("/feeds/program.ics?q=a%1Bb").status == 422

    for name in ("language", "accessibility"):
        for key, schema in parameter_schemas(document, name):
            assert re.search(schema["pattern"], ""), (key, name)
    for path in ("/api/v1/events?language=", "/feeds/program.ics?language=&accessibility=",
                 "/api/v1/feeds?accessibility="):
        assert client.get(path).status == 200, path
