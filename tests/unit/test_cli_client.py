"""How the `oms` command authenticates to a deployed stage: SigV4 for execute-api in the stage's
region (from botocore's credential chain), or a console token."""

from oms_cli.client import Client


def test_stage_requests_are_signed_with_sigv4_for_execute_api_in_the_stages_region(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    client = Client(base_url="https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod", sign=True)
    headers = client._signed("POST", "https://abc123.execute-api.ap-east-1.amazonaws.com/prod/orders/x/cancel", b'{"reason":"r"}', {"Content-Type": "application/json"})
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/ap-east-1/execute-api/aws4_request" in authorization and "X-Amz-Date" in headers


def test_a_token_is_sent_as_bearer_and_not_signed(monkeypatch):
    seen = {}

    class Answer:
        status = 200

        def read(self):
            return b'{"ok": true}'

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        seen.update(request.headers)
        return Answer()

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    assert Client(base_url="https://stage.example", sign=True, token="t0k").get("/orders", status="ON_HOLD") == {"ok": True}
    assert seen["Authorization"] == "Bearer t0k"
