"""A user's mistakes with the `oms` command end in a clear message and a non-zero exit, never a
Python traceback: an id with a space, a Chinese SKU, '#' or '?' in an id, an API that does not
answer in time or drops the connection, a file that is not UTF-8."""

import http.client
import json

import pytest
from click.testing import CliRunner

from oms_cli import imports, operations, rules  # noqa: F401  (their commands join the group)
from oms_cli.main import cli


class Answer:
    status = 200

    def __init__(self, body: bytes):
        self.body = body

    def read(self):
        return self.body

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def invoke(*args: str):
    return CliRunner().invoke(cli, ["--api", "http://127.0.0.1:1", *args])


@pytest.mark.parametrize(
    ("args", "url"),
    [
        (("orders", "show", "OMS 1"), "/orders/OMS%201"),
        (("orders", "show", "OMS-1#x"), "/orders/OMS-1%23x"),  # not OMS-1: the fragment is part of the id
        (("orders", "show", "OMS-1?status=x"), "/orders/OMS-1%3Fstatus%3Dx"),
        (("orders", "show", "a/b"), "/orders/a%2Fb"),
        (("stock", "show", "龙井", "WH-SH"), "/stock/%E9%BE%99%E4%BA%95/WH-SH"),
    ],
)
def test_ids_are_sent_as_one_path_segment_each(monkeypatch, args, url):
    seen = []

    def urlopen(request, timeout):
        seen.append(request.full_url)
        return Answer(b'{"order": {}}')

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    invoke("--json", *args)
    assert seen == ["http://127.0.0.1:1" + url]


@pytest.mark.parametrize("error", [TimeoutError("timed out"), http.client.RemoteDisconnected("Remote end closed connection without response"), ConnectionResetError(104, "Connection reset by peer")])
def test_an_api_that_does_not_answer_is_a_message_and_exit_2(monkeypatch, error):
    def urlopen(request, timeout):
        raise error

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    result = invoke("orders", "show", "OMS-1")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.exception
    assert "no answer" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [("rules", "push", "--comment", "c"), ("rules", "what-if"), ("rules", "validate"), ("import", "erp")])
def test_a_file_that_is_not_utf8_is_refused_with_a_message(monkeypatch, tmp_path, command):
    sent = []
    monkeypatch.setattr("urllib.request.urlopen", lambda request, timeout: sent.append(request) or Answer(b"{}"))
    file = tmp_path / "gbk.json"
    file.write_bytes(json.dumps({"description": "更严格", "rules": []}, ensure_ascii=False).encode("gbk"))
    result = invoke(*command[:2], str(file), *command[2:])
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.exception
    assert "UTF-8" in result.output and str(file) in result.output.replace("\n", "")
    assert sent == []


def test_reconcile_run_with_since_alone_asks_for_the_day_from_since_not_up_to_now(monkeypatch):
    # README: `oms reconcile run tmall SHOP --since 2026-12-01T00:00:00Z`; until defaulted to now, a 422 once a day had passed
    from oms_cli import reconcile  # noqa: F401

    asked = []

    def urlopen(request, timeout):
        asked.append(json.loads(request.data))
        return Answer(b'{"run_id": "REC-1", "state": "RUNNING", "created": true}')

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    result = invoke("reconcile", "run", "tmall", "shop", "--since", "2020-12-01T00:00:00+08:00", "--no-wait")
    assert result.exit_code == 0, result.output
    assert (asked[0]["since"], asked[0]["until"]) == ("2020-12-01T00:00:00+08:00", "2020-12-02T00:00:00+08:00")


def test_review_approve_sends_the_corrections_an_unknown_province_needs(monkeypatch, tmp_path):
    # the API refuses such an approval without corrections.receiver (decision 31) and says so; the command must be able to send it
    sent = []

    def urlopen(request, timeout):
        sent.append(json.loads(request.data))
        return Answer(b'{"order_id": "OMS-1", "status": "APPROVED", "version": 3}')

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    receiver = {"name": "鲍勃", "phone": "13800138000", "province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路1号"}
    file = tmp_path / "corrections.json"
    file.write_text(json.dumps({"receiver": receiver}, ensure_ascii=False), "utf-8")
    result = invoke("review", "approve", "OMS-1", "--operator", "ops-li", "--corrections", str(file))
    assert result.exit_code == 0, result.output
    assert sent == [{"decision": "approve", "operator": "ops-li", "note": "", "corrections": {"receiver": receiver}}]
    file.write_text("[1]", "utf-8")
    result = invoke("review", "approve", "OMS-1", "--operator", "ops-li", "--corrections", str(file))
    assert result.exit_code != 0 and "JSON object" in result.output and len(sent) == 1


@pytest.mark.parametrize(("outcomes", "code"), [(["not_found", "refused"], 1), (["done", "refused"], 0), (["done", "done"], 0)])
def test_a_bulk_retry_that_resumed_no_order_exits_1_like_a_single_refused_retry(monkeypatch, outcomes, code):
    results = [{"order_id": f"OMS-{i}", "outcome": o, "status": None, "message": o} for i, o in enumerate(outcomes)]
    monkeypatch.setattr("urllib.request.urlopen", lambda request, timeout: Answer(json.dumps({"results": results}).encode()))
    for json_flag in ((), ("--json",)):
        result = invoke(*json_flag, "orders", "retry", "OMS-0", "OMS-1", "--reason", "fixed", "--operator", "ops")
        assert result.exit_code == code, result.output


def test_orders_list_takes_every_status_an_order_can_have_and_only_those(monkeypatch):
    from shared.lifecycle import OrderStatus

    seen = []

    def urlopen(request, timeout):
        seen.append(request.full_url)
        return Answer(b'{"orders": [], "next_token": null}')

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    for status in OrderStatus:
        result = invoke("orders", "list", "--status", status.value.lower())
        assert result.exit_code == 0, result.output
        assert seen[-1].endswith(f"/orders?status={status.value}&limit=50")
    for made_up in ("reviewing", "routing"):  # no order is ever in these: the API would answer 400
        assert invoke("orders", "list", "--status", made_up).exit_code == 2


def test_review_queue_says_when_more_holds_wait_and_pages_on(monkeypatch):
    seen = []
    held = {"order_id": "OMS-1", "channel": "tmall", "external_id": "T1", "held_since": "2026-12-04T10:00:00.000Z", "escalated": False, "reasons": []}

    def urlopen(request, timeout):
        seen.append(request.full_url)
        return Answer(json.dumps({"held": [held], "next_token": "TOKEN2"}).encode())

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    result = invoke("review", "queue", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "--next-token TOKEN2" in result.output  # not "1 held order(s)" as if that were all
    result = invoke("review", "queue", "--limit", "1", "--next-token", "TOKEN2")
    assert result.exit_code == 0, result.output
    assert seen[-1].endswith("/review-queue?limit=1&next_token=TOKEN2")
