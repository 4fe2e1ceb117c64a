"""A fixtures folder's stubs file: read as YAML or JSON with schemas beside it, and refused
in one line naming the file, the stub and the field where it is wrong."""

from __future__ import annotations

import json

import pytest

from mock_baanx import Backend, create_app, load_fixtures
from mock_baanx.storage.fixture_files import FixtureError

from ..helpers import headers
from ..served import run_cli

STUBS_YAML = """\
- id: getUser
  method: GET
  path: /v1/user
  body: {id: "{{user.id}}", verified: "{{user.kycVerified}}"}
  schema: schemas/user.json
- id: getCard
  method: GET
  path: /v1/card/{cardId}
  example: /v1/card/card-1
  body: {id: "{{path.cardId}}", status: ACTIVE}
  schema:
    type: object
    required: [id, status]
"""
USER_SCHEMA = {"type": "object", "required": ["id", "verified"],
               "properties": {"id": {"type": "string"}, "verified": {"type": "boolean"}}}


def write_folder(folder, stubs: str = STUBS_YAML, schema: object = USER_SCHEMA):
    folder.mkdir(exist_ok=True)
    (folder / "stubs.yaml").write_text(stubs)
    # Schema files sit in a folder of their own: every file at the top is a fixtures file.
    (folder / "schemas").mkdir(exist_ok=True)
    (folder / "schemas" / "user.json").write_text(json.dumps(schema))
    return folder


def test_a_folders_stubs_file_is_read_with_its_schema_file_beside_it(tmp_path):
    fixtures = load_fixtures(write_folder(tmp_path / "fx"))
    assert [stub.id for stub in fixtures.stubs] == ["getUser", "getCard"]
    assert fixtures.stubs[0].schema == USER_SCHEMA
    assert fixtures.stubs[1].example == "/v1/card/card-1"
    # The other kinds keep their defaults.
    assert "demo-token" in {user.token for user in fixtures.users}
    client = create_app(Backend(fixtures)).test_client()
    assert client.get("/v1/user", headers=headers()).json == {"id": "user-demo",
                                                              "verified": True}


def test_stubs_in_one_combined_file_and_as_json(tmp_path):
    combined = tmp_path / "fixtures.json"
    combined.write_text(json.dumps({"stubs": [{"id": "s", "method": "GET", "path": "/v1/s",
                                               "body": {"ok": True}}]}))
    assert [stub.path for stub in load_fixtures(combined).stubs] == ["/v1/s"]
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "stubs.json").write_text(json.dumps([{"id": "t", "method": "GET",
                                                    "path": "/v1/t"}]))
    assert [stub.id for stub in load_fixtures(folder).stubs] == ["t"]


@pytest.mark.parametrize(("stubs", "schema", "message"), [
    (STUBS_YAML.replace("path: /v1/user", "path: v1/user"), USER_SCHEMA,
     "stubs.yaml at $[0].path: must be a path from /"),
    (STUBS_YAML, {"type": 12}, "stubs.yaml at $[0].schema: stub getUser: not a valid JSON "
                               "Schema"),
    (STUBS_YAML.replace("schemas/user.json", "schemas/missing.json"), USER_SCHEMA,
     "stubs.yaml at $[0].schema: stub getUser: schema file 'schemas/missing.json' cannot be "
     "read"),
    (STUBS_YAML.replace("status: ACTIVE", "status: 7").replace(
        "required: [id, status]", "properties: {status: {type: string}}"), USER_SCHEMA,
     "stubs.yaml at $[1].body.status: stub getCard: breaks its own schema"),
    (STUBS_YAML.replace("{{path.cardId}}", "{{path.card}}"), USER_SCHEMA,
     "stubs.yaml at $[1].body.id: stub getCard: {{path.card}} names nothing: the path's "
     "names are cardId"),
    (STUBS_YAML.replace("id: getCard", "id: getUser"), USER_SCHEMA,
     "stubs.yaml at $[1].id: duplicate id 'getUser'"),
    (STUBS_YAML.replace("/v1/card/{cardId}", "/v1/order/{cardId}"), USER_SCHEMA,
     "stubs.yaml at $[1].path: stub getCard: GET /v1/order/{cardId} would shadow the mock's "
     "own GET /v1/order/{orderId}"),
    ("- id: x\n  method: GET\n  path: /v1/x\n  colour: red\n", USER_SCHEMA,
     "stubs.yaml at $[0]: has a field it does not know: colour"),
])
def test_a_wrong_stubs_file_is_one_line_naming_file_stub_and_field(tmp_path, stubs, schema,
                                                                     message):
    folder = write_folder(tmp_path / "fx", stubs, schema)
    with pytest.raises(FixtureError) as raised:
        load_fixtures(folder)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.slow
def test_serve_refuses_a_wrong_stubs_file_with_exit_2_and_one_line(tmp_path):
    folder = write_folder(tmp_path / "fx", STUBS_YAML.replace("{{path.cardId}}", "{{path.x}}"))
    result = run_cli("serve", "--port", "0", "--fixtures", str(folder))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "stubs.yaml at $[1].body.id: stub getCard: {{path.x}} names nothing" in line
