"""A fake GOV.UK Notify for the tests: no network. It answers the client's real HTTP calls
(intercepted with `responses`), checking what the real service checks: a JWT signed with the
API key's secret and issued by its service, the template ID, the address and personalisation,
and records each email it accepts."""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
import responses

BASE_URL = "https://notify.example.invalid"
SERVICE_ID = "6f2b8a4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
SECRET = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
API_KEY = f"qaf_test-{SERVICE_ID}-{SECRET}"
MESSAGE_TEMPLATE = "3f8c1a52-7d6e-4b9a-8c1d-2e3f4a5b6c7d"
ESCALATION_TEMPLATE = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


@dataclass
class FakeNotify:
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with a 500 first

    def _email(self, request: Any) -> tuple[int, dict[str, str], str]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        except jwt.PyJWTError as error:
            return 403, {}, json.dumps({"errors": [{"error": "AuthError", "message": str(error)}]})
        if claims.get("iss") != SERVICE_ID:
            return 403, {}, json.dumps({"errors": [{"error": "AuthError"}]})
        if self.fail_next:
            self.fail_next -= 1
            return 500, {}, json.dumps({"errors": [{"error": "Exception"}]})
        body = json.loads(request.body)
        missing = {"email_address", "template_id"} - set(body)
        if missing:
            return 400, {}, json.dumps({"errors": [{"error": "ValidationError"}]})
        self.sent.append(body)
        answer = {"id": str(uuid.uuid4()), "reference": body.get("reference"), "content": {}}
        return 201, {}, json.dumps(answer)

    def __enter__(self) -> "FakeNotify":
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._mock.__enter__()
        self._mock.add_callback(
            responses.POST,
            f"{BASE_URL}/v2/notifications/email",
            callback=self._email,
            content_type="application/json",
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        self._mock.__exit__(*exc)


NOTIFY_SETTINGS = {
    "QAF_EMAIL_SERVICE": "notify",
    "QAF_NOTIFY_API_KEY": API_KEY,
    "QAF_NOTIFY_BASE_URL": BASE_URL,
    "QAF_NOTIFY_TEMPLATES": {"message": MESSAGE_TEMPLATE, "escalation_raised": ESCALATION_TEMPLATE},
    "QAF_NOTIFY_REPLY_TO_ID": "",
}
