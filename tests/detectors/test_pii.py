from __future__ import annotations

import time

import pydantic
import pytest

from enkrypt_middleware.detectors.base import Finding, Located, Span
from enkrypt_middleware.detectors.pii import ENTITY_GROUPS, PIIConfig, PIIDetector, assign_placeholders

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)

# text, expected (label, group, value) in order
POSITIVES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "email",
        "Mail john.doe+tag@mail.example.co.uk now",
        [("EMAIL_ADDRESS", "pii", "john.doe+tag@mail.example.co.uk")],
    ),
    ("email in quotes", "'ann@example.org'", [("EMAIL_ADDRESS", "pii", "ann@example.org")]),
    ("phone uk", "call +44 20 7946 0958.", [("PHONE_NUMBER", "pii", "+44 20 7946 0958")]),
    ("phone us parens", "or (555) 123-4567", [("PHONE_NUMBER", "pii", "(555) 123-4567")]),
    ("phone us dashes", "or 555-123-4567", [("PHONE_NUMBER", "pii", "555-123-4567")]),
    ("phone us dots", "or 555.123.4567", [("PHONE_NUMBER", "pii", "555.123.4567")]),
    ("phone intl dashes", "+1-202-555-0143", [("PHONE_NUMBER", "pii", "+1-202-555-0143")]),
    ("phone de", "Tel +49 30 1234567", [("PHONE_NUMBER", "pii", "+49 30 1234567")]),
    ("phone de national", "030 1234567", [("PHONE_NUMBER", "pii", "030 1234567")]),
    ("phone e164", "+14155552671", [("PHONE_NUMBER", "pii", "+14155552671")]),
    ("phone cc and area", "+1 (202) 555-0143", [("PHONE_NUMBER", "pii", "+1 (202) 555-0143")]),
    ("phone extension", "555-123-4567 x123", [("PHONE_NUMBER", "pii", "555-123-4567 x123")]),
    ("phone local with context", "Phone: 467 3395", [("PHONE_NUMBER", "pii", "467 3395")]),
    ("phone contiguous after fax", "Fax: 9498777106", [("PHONE_NUMBER", "pii", "9498777106")]),
    ("card visa spaced", "card 4111 1111 1111 1111 exp 12/25", [("CREDIT_CARD", "pii", "4111 1111 1111 1111")]),
    ("card visa plain", "4012888888881881", [("CREDIT_CARD", "pii", "4012888888881881")]),
    ("card amex", "3782 822463 10005", [("CREDIT_CARD", "pii", "3782 822463 10005")]),
    ("card mastercard dashes", "5555-5555-5555-4444", [("CREDIT_CARD", "pii", "5555-5555-5555-4444")]),
    ("card mastercard 2-series", "2221000000000009", [("CREDIT_CARD", "pii", "2221000000000009")]),
    ("card discover", "6011111111111117", [("CREDIT_CARD", "pii", "6011111111111117")]),
    ("card diners 14", "30569309025904", [("CREDIT_CARD", "pii", "30569309025904")]),
    ("card then cvv", "4111 1111 1111 1111 123", [("CREDIT_CARD", "pii", "4111 1111 1111 1111")]),
    ("ssn dashed", "SSN 123-45-6789.", [("US_SSN", "pii", "123-45-6789")]),
    ("ssn spaced", "ssn 078 05 1120", [("US_SSN", "pii", "078 05 1120")]),
    ("iban spaced", "IBAN GB82 WEST 1234 5698 7654 32", [("IBAN_CODE", "pii", "GB82 WEST 1234 5698 7654 32")]),
    ("iban compact", "DE89370400440532013000", [("IBAN_CODE", "pii", "DE89370400440532013000")]),
    (
        "iban letters inside",
        "FR14 2004 1010 0505 0001 3M02 606",
        [("IBAN_CODE", "pii", "FR14 2004 1010 0505 0001 3M02 606")],
    ),
    ("iban short country", "NO9386011117947", [("IBAN_CODE", "pii", "NO9386011117947")]),
    ("iban then more digits", "CH9300762011623852957 1234", [("IBAN_CODE", "pii", "CH9300762011623852957")]),
    ("ipv4", "host 192.168.1.1", [("IP_ADDRESS", "ip_address", "192.168.1.1")]),
    ("ipv4 port", "10.0.0.255:8080", [("IP_ADDRESS", "ip_address", "10.0.0.255")]),
    ("ipv4 end of sentence", "Use 8.8.8.8.", [("IP_ADDRESS", "ip_address", "8.8.8.8")]),
    ("ipv6", "at 2001:db8::8a2e:370:7334 now", [("IP_ADDRESS", "ip_address", "2001:db8::8a2e:370:7334")]),
    (
        "ipv6 full",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        [("IP_ADDRESS", "ip_address", "2001:0db8:85a3:0000:0000:8a2e:0370:7334")],
    ),
    ("ipv6 zone", "fe80::1%eth0", [("IP_ADDRESS", "ip_address", "fe80::1%eth0")]),
    ("ipv6 mapped", "::ffff:192.0.2.1", [("IP_ADDRESS", "ip_address", "::ffff:192.0.2.1")]),
    ("url https", "See https://example.com/path?q=1&x=y.", [("URL", "url", "https://example.com/path?q=1&x=y")]),
    (
        "url brackets",
        "(docs: https://en.wikipedia.org/wiki/A_(b))",
        [("URL", "url", "https://en.wikipedia.org/wiki/A_(b)")],
    ),
    ("url ftp", "ftp://files.example.com/x.zip", [("URL", "url", "ftp://files.example.com/x.zip")]),
    ("url www", "Visit www.example.org/page, thanks", [("URL", "url", "www.example.org/page")]),
    ("url with ip", "http://192.168.0.1/admin", [("URL", "url", "http://192.168.0.1/admin")]),
    ("aws", "key AKIAIOSFODNN7EXAMPLE", [("AWS_ACCESS_KEY", "secrets", "AKIAIOSFODNN7EXAMPLE")]),
    (
        "github",
        "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        [("GITHUB_TOKEN", "secrets", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789")],
    ),
    (
        "github pat",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv",
        [("GITHUB_TOKEN", "secrets", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv")],
    ),
    ("gitlab", "glpat-aBcDeFgHiJ0123456789", [("GITLAB_TOKEN", "secrets", "glpat-aBcDeFgHiJ0123456789")]),
    (
        "slack",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        [("SLACK_TOKEN", "secrets", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx")],
    ),
    ("stripe", "sk_live_0123456789aBcDeFgHiJkLmN", [("STRIPE_KEY", "secrets", "sk_live_0123456789aBcDeFgHiJkLmN")]),
    (
        "stripe test",
        "pk_test_0123456789aBcDeFgHiJkLmN",
        [("STRIPE_KEY", "secrets", "pk_test_0123456789aBcDeFgHiJkLmN")],
    ),
    (
        "openai project",
        "sk-proj-aBcDeF0123456789_aBcDeF-0123456789",
        [("OPENAI_API_KEY", "secrets", "sk-proj-aBcDeF0123456789_aBcDeF-0123456789")],
    ),
    (
        "openai legacy",
        "sk-aBcDeFgHiJkLmNoPqRsT3BlbkFJ0123456789abcdefghij",
        [("OPENAI_API_KEY", "secrets", "sk-aBcDeFgHiJkLmNoPqRsT3BlbkFJ0123456789abcdefghij")],
    ),
    (
        "anthropic",
        "sk-ant-api03-aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_abcdefgh",
        [("ANTHROPIC_API_KEY", "secrets", "sk-ant-api03-aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789-_abcdefgh")],
    ),
    (
        "google",
        "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        [("GOOGLE_API_KEY", "secrets", "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY")],
    ),
    (
        "twilio",
        "SK0123456789abcdef0123456789abcdef",
        [("TWILIO_API_KEY", "secrets", "SK0123456789abcdef0123456789abcdef")],
    ),
    (
        "sendgrid",
        "SG.aBcDeFgHiJkLmNoPqRsTuV.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefg",
        [("SENDGRID_API_KEY", "secrets", "SG.aBcDeFgHiJkLmNoPqRsTuV.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789abcdefg")],
    ),
    (
        "npm",
        "npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        [("NPM_TOKEN", "secrets", "npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789")],
    ),
    (
        "huggingface",
        "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567",
        [("HUGGINGFACE_TOKEN", "secrets", "hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567")],
    ),
    ("jwt", f"Bearer {JWT}.", [("JWT", "secrets", JWT)]),
    ("private key", f"here:\n{PEM}\nthanks", [("PRIVATE_KEY", "secrets", PEM)]),
    (
        "private key truncated",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n",
        [("PRIVATE_KEY", "secrets", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC")],
    ),
    ("generic password", 'password = "Tr0ub4dor&3xyzQ"', [("GENERIC_SECRET", "secrets", "Tr0ub4dor&3xyzQ")]),
    ("generic yaml", "api_key: 8f3kd92jfk2l3kd9x", [("GENERIC_SECRET", "secrets", "8f3kd92jfk2l3kd9x")]),
    ("generic env", "DB_SECRET=aB3dE5gH7jK9mN1p", [("GENERIC_SECRET", "secrets", "aB3dE5gH7jK9mN1p")]),
    ("generic json", '{"client_secret": "x9Y8w7V6u5T4s3R2"}', [("GENERIC_SECRET", "secrets", "x9Y8w7V6u5T4s3R2")]),
    (
        "generic bearer",
        "Authorization: Bearer a8F3kd92Jfk2l3Kd9xQ",
        [("GENERIC_SECRET", "secrets", "a8F3kd92Jfk2l3Kd9xQ")],
    ),
    (
        "generic token word",
        "my token 8f3kd92Jfk2l3Kd9xQ7 works",
        [("GENERIC_SECRET", "secrets", "8f3kd92Jfk2l3Kd9xQ7")],
    ),
    (
        "known token in assignment",
        "OPENAI_API_KEY=sk-proj-aBcDeF0123456789_aBcDeF-0123456789",
        [("OPENAI_API_KEY", "secrets", "sk-proj-aBcDeF0123456789_aBcDeF-0123456789")],
    ),
    ("email not also url", "write to bob@www.example.com", [("EMAIL_ADDRESS", "pii", "bob@www.example.com")]),
    (
        "several, in order",
        "Reach jane@example.com or +44 20 7946 0958 from 10.1.2.3, see https://x.io",
        [
            ("EMAIL_ADDRESS", "pii", "jane@example.com"),
            ("PHONE_NUMBER", "pii", "+44 20 7946 0958"),
            ("IP_ADDRESS", "ip_address", "10.1.2.3"),
            ("URL", "url", "https://x.io"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in POSITIVES], ids=[c[0] for c in POSITIVES])
def test_detects(text: str, expected: list[tuple[str, str, str]]) -> None:
    finding = PIIDetector().detect(text)
    assert [(s.label, s.group, text[s.start : s.end]) for s in finding.spans] == expected
    assert finding.detected is True
    assert finding.score == 1.0


# Texts with nothing to report (valid-looking but invalid numbers, versions, code, prose).
NEGATIVES: list[tuple[str, str]] = [
    ("card luhn", "card 4111 1111 1111 1112"),
    ("card luhn plain", "4111111111111112"),
    ("card bad prefix", "1234567890123452 and 9123456789012348"),
    ("card too long", "41111111111111111111"),
    ("ssn area 000", "000-12-3456"),
    ("ssn area 666", "666-12-3456"),
    ("ssn area 9xx", "900-12-3456 and 987-65-4321"),
    ("ssn group 00", "123-00-4567"),
    ("ssn serial 0000", "123-45-0000"),
    ("ssn undashed", "123456789"),
    ("ssn mixed separators", "123-45 6789"),
    ("iban checksum", "GB82 WEST 1234 5698 7654 33"),
    ("iban too short", "DE89 3704 0044 0532 0130 0"),
    ("iban unknown country", "XX82 WEST 1234 5698 7654 32"),
    ("ip version five parts", "version 1.2.3.4.5 is out"),
    ("ip v-prefixed", "upgrade to v10.0.0.1"),
    ("ip after version word", "version 1.2.3.4"),
    ("ip octet too big", "10.0.0.256 and 256.1.1.1"),
    ("ip leading zeros", "010.001.001.001"),
    ("ip inside longer number", "1.10.0.0.1"),
    ("ipv6 loopback", "::1"),
    ("ipv6 cpp", "std::vector<int> v; Foo::bar"),
    ("ipv6 slice", "a[1::2]"),
    ("time", "at 12:30:45 today"),
    ("mac address", "00:1A:2B:3C:4D:5E"),
    ("date iso", "on 2024-01-15"),
    ("date dotted", "on 15.01.2024"),
    ("order number", "Order 12345678901 shipped"),
    ("range", "pages 1000-2000"),
    ("small numbers", "In 2024 we hired 35 people across 3 offices, up 12%."),
    ("digit groups", "1-2-3-4-5-6-7"),
    ("bare digit groups", "the code is 699 956 915"),
    ("placeholder secret", "password: your_password_here"),
    ("low entropy secret", "secret=hunter2hunter2"),
    ("identifier value", "password = get_password_from_vault"),
    ("env reference", 'api_key = os.environ["API_KEY"]'),
    ("path value", "key_file: /etc/ssl/private/server.key"),
    ("short token", "sk-learn is a library; token: abc"),
    ("long word", "internationalization and counterrevolutionaries"),
    ("no scheme", "example.com and http:// alone"),
    ("email-ish", "user@localhost and @handle"),
]


@pytest.mark.parametrize("text", [c[1] for c in NEGATIVES], ids=[c[0] for c in NEGATIVES])
def test_does_not_detect(text: str) -> None:
    finding = PIIDetector().detect(text)
    assert [(s.label, text[s.start : s.end]) for s in finding.spans] == []
    assert finding == Finding(detected=False)


@pytest.mark.parametrize(
    ("entities", "labels"),
    [
        (["pii"], ["EMAIL_ADDRESS", "PHONE_NUMBER"]),
        (["secrets"], ["AWS_ACCESS_KEY"]),
        (["ip_address"], ["IP_ADDRESS"]),
        (["url"], ["URL"]),
        (["url", "ip_address"], ["IP_ADDRESS", "URL"]),
        ([], ["EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS", "AWS_ACCESS_KEY", "URL"]),
    ],
)
def test_entities_select_groups(entities: list[str], labels: list[str]) -> None:
    text = "a@b.io 555-123-4567 1.2.3.4 AKIAIOSFODNN7EXAMPLE https://x.io"
    assert [s.label for s in PIIDetector(entities).detect(text).spans] == labels


def test_url_disabled_reports_the_ip_inside_it() -> None:
    text = "http://192.168.0.1/admin"
    assert [(s.label, text[s.start : s.end]) for s in PIIDetector(["ip_address"]).detect(text).spans] == [
        ("IP_ADDRESS", "192.168.0.1")
    ]


def test_unknown_entity_is_rejected() -> None:
    with pytest.raises(ValueError, match="ssn"):
        PIIDetector(["pii", "ssn"])
    with pytest.raises(pydantic.ValidationError):
        PIIConfig.model_validate({"entities": ["pii", "ssn"]})


def test_config_builds_detector() -> None:
    config = PIIConfig()
    assert config.name == "pii"
    assert config.entities == ["pii", "secrets", "ip_address", "url"]
    detector = config.build()
    assert (detector.name, detector.inline, detector.entities) == ("pii", True, ENTITY_GROUPS)
    assert detector.block_message == PIIDetector.DEFAULT_BLOCK_MESSAGE
    assert PIIConfig(entities=["url"], block_message="no").build().entities == ("url",)
    assert PIIConfig(entities=["url"], block_message="no").build().block_message == "no"


def test_offsets_are_in_the_original_text_after_non_ascii() -> None:
    text = "Grüße 👋 from Zoë: zoë.x@example.com, tél +33 1 23 45 67 89"
    spans = PIIDetector().detect(text).spans
    assert [(s.label, text[s.start : s.end]) for s in spans] == [
        ("EMAIL_ADDRESS", "x@example.com"),
        ("PHONE_NUMBER", "+33 1 23 45 67 89"),
    ]


# --- placeholders and report ----------------------------------------------------------------------------


def _located(*texts: str) -> list[Located]:
    detector = PIIDetector()
    return [Located(path=f"messages[{i}].content", text=t, finding=detector.detect(t)) for i, t in enumerate(texts)]


def test_placeholders_number_per_label_and_reuse_values_across_texts() -> None:
    findings = _located(
        "Mail bob@x.io or ann@y.org, call 555-123-4567.",
        "Again ann@y.org; server 10.0.0.1 and https://x.io; also carl@z.net",
    )
    assert assign_placeholders(findings) == {
        "bob@x.io": "<EMAIL_ADDRESS_0>",
        "ann@y.org": "<EMAIL_ADDRESS_1>",
        "555-123-4567": "<PHONE_NUMBER_0>",
        "10.0.0.1": "<IP_ADDRESS_0>",
        "https://x.io": "<URL_0>",
        "carl@z.net": "<EMAIL_ADDRESS_2>",
    }


def test_placeholders_follow_span_starts_not_span_order() -> None:
    finding = Finding(
        detected=True,
        spans=(
            Span(start=6, end=9, label="EMAIL_ADDRESS", group="pii"),
            Span(start=0, end=3, label="EMAIL_ADDRESS", group="pii"),
        ),
    )
    assert assign_placeholders([Located(path="p", text="a@b c d@e", finding=finding)]) == {
        "a@b": "<EMAIL_ADDRESS_0>",
        "d@e": "<EMAIL_ADDRESS_1>",
    }


def test_report_groups_values_under_their_placeholders() -> None:
    findings = _located(
        "Mail bob@x.io from 10.0.0.1 with key AKIAIOSFODNN7EXAMPLE",
        "bob@x.io again, see www.example.com and fe80::1",
    )
    report = PIIDetector().report(findings)
    assert report.detected is True
    assert report.summary == {"pii": 1}
    assert report.details == {
        "pii": {"<EMAIL_ADDRESS_0>": "bob@x.io"},
        "secrets": {"<AWS_ACCESS_KEY_0>": "AKIAIOSFODNN7EXAMPLE"},
        "ip_address": {"<IP_ADDRESS_0>": "10.0.0.1", "<IP_ADDRESS_1>": "fe80::1"},
        "url": {"<URL_0>": "www.example.com"},
    }


@pytest.mark.parametrize("entities", [list(ENTITY_GROUPS), ["url"], []])
def test_report_always_has_all_four_groups(entities: list[str]) -> None:
    detector = PIIDetector(entities)
    clean = [Located(path="p", text="Hello there", finding=detector.detect("Hello there"))]
    report = detector.report(clean)
    assert report.detected is False
    assert report.summary == {"pii": 0}
    assert report.details == {"pii": {}, "secrets": {}, "ip_address": {}, "url": {}}
    assert detector.report([]).details == {"pii": {}, "secrets": {}, "ip_address": {}, "url": {}}


# --- hostile input ------------------------------------------------------------------------------------------

HOSTILE = {
    "a@ repeated": "a@" * 25_000,
    "1- repeated": "1-" * 20_000,
    "x then @": "x" * 100_000 + "@",
    "eyJ run": "eyJ" + "a" * 100_000,
    "eyJ segments": ("eyJ" + "a" * 20 + ".") * 2_000,
    "digits": "1" * 50_000,
    "digit space": "1 " * 25_000,
    "dotted digits": "1." * 25_000,
    "colons": ":" * 50_000,
    "hex colons": "a:" * 25_000,
    "ipv6-ish": "1:2:3:4:5:6:7:8:" * 3_000,
    "www": "www." * 12_500,
    "schemes": "http://" * 7_000,
    "assignments": "password=" * 5_000,
    "pem headers": "-----BEGIN RSA PRIVATE KEY-----" * 1_500,
    "pem body": "-----BEGIN RSA PRIVATE KEY-----\n" + "A" * 50_000,
    "iban groups": "GB82 " * 10_000,
    "card groups": "4111 " * 10_000,
    "ssn pieces": "123-45-" * 7_000,
    "plus digits": "+1 " * 15_000,
    "email labels": "a@" + "b." * 25_000,
    "url brackets": "http://a.b/" + "(" * 25_000 + ")" * 25_000,
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_runs_in_linear_time(text: str) -> None:
    # A generous guard: catastrophic backtracking takes minutes on these, linear scanning milliseconds.
    started = time.perf_counter()
    PIIDetector().detect(text)
    assert time.perf_counter() - started < 1.0
