"""`civicledger.explorers` against a local server on 127.0.0.1 that speaks each explorer's
documented verification API: Etherscan API v2, Blockscout REST API v2, Sourcify API v2.

No explorer is reachable from the project's machines, so these tests are what stands for them:
each scripts the explorer's answers (success, pending then success, already verified, failure
with a reason, rate limit then success) and checks the exact requests the package sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from civicledger import explorers
from civicledger.errors import ConfigError
from civicledger.explorers import ALREADY_VERIFIED, FAILED, VERIFIED

TOKEN = "0x" + "b1" * 20
REGISTRY = "0x" + "1a" * 20
TOKEN_ARGS = "0x" + "00" * 12 + "5f" * 20 + "00" * 31 + "01"
CREATION_TX = "0x" + "c7" * 32
VERSION = "v0.8.30+commit.73712a01"
CHAIN = 1337


@pytest.fixture(scope="module", autouse=True)
def module_chain():
    """No chain here: these tests talk HTTP only, so they skip the conftest's chain snapshots
    (a revert per test costs about a second on a busy Ganache)."""


@pytest.fixture(autouse=True)
def isolation():
    """As above: nothing on chain to reset between tests."""


# --------------------------------------------------------------------------------------------
# A fake explorer: records every request, answers from a per-route script


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        """The fields of a url-encoded or multipart form (a file field's content as text)."""
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            return {
                k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()
            }
        if ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self.body
            )
            return {
                part.get_param("name", header="content-disposition"): _text(part.get_content())
                for part in message.iter_parts()
            }
        raise AssertionError(f"not a form: {ctype}")

    def files(self) -> dict[str, tuple[str, str]]:
        """Multipart file fields: name -> (filename, content type)."""
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + self.headers["content-type"].encode() + b"\r\n\r\n" + self.body
        )
        return {
            part.get_param("name", header="content-disposition"): (
                part.get_filename(),
                part.get_content_type(),
            )
            for part in message.iter_parts()
            if part.get_filename()
        }

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def _text(content: str | bytes) -> str:
    return content.decode() if isinstance(content, bytes) else content


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeExplorer:
    """An HTTP server on 127.0.0.1 (port 0): `script(method, path, *replies)` queues answers for a
    route (the last one repeats); `requests` lists what arrived, in order."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._scripts: dict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=url.path,
                    query={k: v[-1] for k, v in parse_qs(url.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                fake.requests.append(request)
                reply = fake._next(request.method, request.path)
                payload = json.dumps(reply.body).encode() if reply.body is not None else b""
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def reset(self) -> None:
        self.requests.clear()
        self._scripts.clear()

    def script(self, method: str, path: str, *replies: Reply) -> None:
        self._scripts[(method, path)].extend(replies)

    def _next(self, method: str, path: str) -> Reply:
        queue = self._scripts.get((method, path))
        if not queue:
            return Reply(404, {"message": f"no script for {method} {path}"})
        return queue.popleft() if len(queue) > 1 else queue[0]

    def sent(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def _server():
    server = FakeExplorer()
    yield server
    server.close()


@pytest.fixture
def explorer_server(_server):
    """The module's fake explorer, with no script and no requests yet."""
    _server.reset()
    return _server


# --------------------------------------------------------------------------------------------
# A small export in the layout `civic audit export` writes


def standard_input(unit: str, name: str) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {
            unit: {
                "content": f"// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n"
                f'import {{Base}} from "contracts/Base.sol";\ncontract {name} is Base {{}}\n'
            },
            "contracts/Base.sol": {
                "content": "// SPDX-License-Identifier: MIT\ncontract Base {}\n"
            },
        },
        "settings": {
            "optimizer": {"enabled": True, "runs": 200},
            "viaIR": True,
            "evmVersion": "shanghai",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode"]}},
        },
    }


def write_export(root: Path, chain_id: int = CHAIN, only: tuple[str, ...] | None = None) -> Path:
    """An export dir with BenefitToken (constructor arguments) and LandRegistry (none)."""
    contracts = {
        "BenefitToken": {
            "address": TOKEN,
            "sourceUnit": "contracts/benefits/BenefitToken.sol",
            "contractName": "BenefitToken",
            "compilerVersion": VERSION,
            "constructorArgs": TOKEN_ARGS,
            "creationTx": CREATION_TX,
        },
        "LandRegistry": {
            "address": REGISTRY,
            "sourceUnit": "contracts/registry/LandRegistry.sol",
            "contractName": "LandRegistry",
            "compilerVersion": VERSION,
            "constructorArgs": "0x",
            "creationTx": "0x" + "d8" * 32,
        },
    }
    if only:
        contracts = {k: v for k, v in contracts.items() if k in only}
    root.mkdir(parents=True, exist_ok=True)
    for name, entry in contracts.items():
        folder = root / name
        (folder / "sources").mkdir(parents=True)
        std = standard_input(entry["sourceUnit"], name)
        # Written with a layout of its own, to check it is sent byte for byte.
        (folder / "standard-input.json").write_text(json.dumps(std, indent=1))
        (folder / "constructor-args.txt").write_text(entry["constructorArgs"])
        (folder / "compiler-version.txt").write_text(VERSION)
        (folder / "metadata.json").write_text(json.dumps({"language": "Solidity"}))
        for unit, source in std["sources"].items():
            path = folder / "sources" / unit
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source["content"])
    (root / "export.json").write_text(json.dumps({"chainId": chain_id, "contracts": contracts}))
    return root


@pytest.fixture
def export(tmp_path) -> explorers.Export:
    return explorers.Export.load(write_export(tmp_path / "export", only=("BenefitToken",)))


@pytest.fixture
def both(tmp_path) -> explorers.Export:
    return explorers.Export.load(write_export(tmp_path / "export"))


@pytest.fixture
def waits() -> list[float]:
    """The delays the package asked for, in order."""
    return []


@pytest.fixture
def make(explorer_server, waits):
    """An explorer of the given kind pointed at the local server, with tiny polls and waits."""

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(min(seconds, 0.005))

    def factory(name: str, **overrides: Any) -> explorers.Explorer:
        http = explorers.Http(
            timeout=5, retries=overrides.pop("retries", 3), backoff=0.5, sleep=sleep
        )
        polling = explorers.Polling(interval=0.01, max_wait=overrides.pop("max_wait", 5))
        api_url = explorer_server.url + ("/v2/api" if name == "etherscan" else "")
        return explorers.explorer_for(
            name, CHAIN, api_url=api_url, api_key="KEY123", http=http, polling=polling
        )

    return factory


def publish_one(explorer, export) -> explorers.Outcome:
    (outcome,) = explorers.publish(export, explorer)
    return outcome


# --------------------------------------------------------------------------------------------
# Etherscan API v2

ES = "/v2/api"


def es(result: str, status: str = "1", message: str = "OK") -> Reply:
    return Reply(200, {"status": status, "message": message, "result": result})


def test_etherscan_submission_carries_chainid_codeformat_qualified_name_and_bare_constructor_args(
    explorer_server, make, export
):
    explorer_server.script("POST", ES, es("guid-1"))
    explorer_server.script("GET", ES, es("Pass - Verified"))

    publish_one(make("etherscan"), export)

    (submit,) = explorer_server.sent("POST", ES)
    assert submit.query == {"chainid": "1337"}
    form = submit.form
    assert form == {
        "apikey": "KEY123",
        "module": "contract",
        "action": "verifysourcecode",
        "contractaddress": TOKEN,
        "sourceCode": (Path(export.path) / "BenefitToken/standard-input.json").read_text(),
        "codeformat": "solidity-standard-json-input",
        "contractname": "contracts/benefits/BenefitToken.sol:BenefitToken",
        "compilerversion": VERSION,
        "constructorArguements": TOKEN_ARGS[2:],
        "constructorArguments": TOKEN_ARGS[2:],
    }


def test_etherscan_contract_that_passes_at_once_is_verified(explorer_server, make, export):
    explorer_server.script("POST", ES, es("guid-1"))
    explorer_server.script("GET", ES, es("Pass - Verified"))

    outcome = publish_one(make("etherscan"), export)

    assert (outcome.status, outcome.detail, outcome.rate_limited) == (VERIFIED, "", 0)
    (check,) = explorer_server.sent("GET", ES)
    assert check.query == {
        "chainid": "1337",
        "apikey": "KEY123",
        "module": "contract",
        "action": "checkverifystatus",
        "guid": "guid-1",
    }


def test_etherscan_pending_in_queue_is_polled_until_pass(explorer_server, make, export, waits):
    explorer_server.script("POST", ES, es("guid-2"))
    pending = es("Pending in queue", status="0", message="NOTOK")
    explorer_server.script("GET", ES, pending, pending, es("Pass - Verified"))

    outcome = publish_one(make("etherscan"), export)

    assert outcome.status == VERIFIED
    assert [r.query["guid"] for r in explorer_server.sent("GET", ES)] == ["guid-2"] * 3
    assert waits == [0.01, 0.01]  # the poll interval, twice


def test_etherscan_source_already_verified_at_submission_is_reported_so(
    explorer_server, make, export
):
    explorer_server.script(
        "POST", ES, es("Contract source code already verified", status="0", message="NOTOK")
    )

    outcome = publish_one(make("etherscan"), export)

    assert outcome.status == ALREADY_VERIFIED
    assert explorer_server.sent("GET", ES) == []


def test_etherscan_already_verified_verdict_is_reported_so(explorer_server, make, export):
    explorer_server.script("POST", ES, es("guid-3"))
    explorer_server.script("GET", ES, es("Already Verified", status="0", message="NOTOK"))

    assert publish_one(make("etherscan"), export).status == ALREADY_VERIFIED


def test_etherscan_failure_is_reported_with_its_reason(explorer_server, make, export):
    reason = "Fail - Unable to verify. Compiled contract deployment bytecode does NOT match"
    explorer_server.script("POST", ES, es("guid-4"))
    explorer_server.script("GET", ES, es(reason, status="0", message="NOTOK"))

    outcome = publish_one(make("etherscan"), export)

    assert (outcome.status, outcome.detail) == (FAILED, reason)


def test_etherscan_rate_limit_is_waited_out_and_retried(explorer_server, make, export, waits):
    limit = es("Max rate limit reached, please use API Key for higher rate limit", "0", "NOTOK")
    explorer_server.script("POST", ES, limit, es("guid-5"))
    explorer_server.script("GET", ES, limit, es("Pass - Verified"))

    outcome = publish_one(make("etherscan"), export)

    assert (outcome.status, outcome.rate_limited) == (VERIFIED, 2)
    assert len(explorer_server.sent("POST", ES)) == 2
    assert waits == [0.5, 0.5]  # first backoff step, once for each limited call


def test_etherscan_rate_limit_that_persists_gives_up_after_the_bounded_retries(
    explorer_server, make, export, waits
):
    limit = es("Max rate limit reached", "0", "NOTOK")
    explorer_server.script("POST", ES, limit)

    outcome = publish_one(make("etherscan", retries=2), export)

    assert (outcome.status, outcome.detail) == (FAILED, "Max rate limit reached")
    assert len(explorer_server.sent("POST", ES)) == 3
    assert waits == [0.5, 1.0]  # exponential backoff between the three tries


def test_etherscan_verdict_still_pending_when_the_wait_runs_out_fails_with_the_guid(
    explorer_server, make, export
):
    explorer_server.script("POST", ES, es("guid-6"))
    explorer_server.script("GET", ES, es("Pending in queue", status="0", message="NOTOK"))

    outcome = publish_one(make("etherscan", max_wait=0.05), export)

    assert outcome.status == FAILED
    assert "still pending" in outcome.detail and "guid-6" in outcome.detail


# --------------------------------------------------------------------------------------------
# Blockscout REST API v2

BS_SUBMIT = f"/api/v2/smart-contracts/{TOKEN}/verification/via/standard-input"
BS_CONTRACT = f"/api/v2/smart-contracts/{TOKEN}"
STARTED = Reply(200, {"message": "Smart-contract verification started"})


def test_blockscout_submission_uploads_the_standard_input_with_name_version_and_bare_args(
    explorer_server, make, export
):
    explorer_server.script("POST", BS_SUBMIT, STARTED)
    explorer_server.script("GET", BS_CONTRACT, Reply(200, {"is_verified": True}))

    publish_one(make("blockscout"), export)

    (submit,) = explorer_server.sent("POST", BS_SUBMIT)
    assert submit.form == {
        "compiler_version": VERSION,
        "contract_name": "contracts/benefits/BenefitToken.sol:BenefitToken",
        "autodetect_constructor_args": "false",
        "constructor_args": TOKEN_ARGS[2:],
        "license_type": "mit",
        "files[0]": (Path(export.path) / "BenefitToken/standard-input.json").read_text(),
    }
    assert submit.files() == {"files[0]": ("standard-input.json", "application/json")}


def test_blockscout_contract_verified_after_some_polls_is_verified(explorer_server, make, export):
    explorer_server.script("POST", BS_SUBMIT, STARTED)
    not_yet = Reply(200, {"is_verified": False})
    explorer_server.script(
        "GET",
        BS_CONTRACT,
        not_yet,
        not_yet,
        Reply(200, {"is_verified": True, "is_fully_verified": True}),
    )

    outcome = publish_one(make("blockscout"), export)

    assert (outcome.status, outcome.detail) == (VERIFIED, "")
    assert len(explorer_server.sent("GET", BS_CONTRACT)) == 3
    assert outcome.link == f"{explorer_server.url}/address/{TOKEN}?tab=contract"


def test_blockscout_already_verified_is_reported_so(explorer_server, make, export):
    explorer_server.script("POST", BS_SUBMIT, Reply(200, {"message": "Already verified"}))

    outcome = publish_one(make("blockscout"), export)

    assert outcome.status == ALREADY_VERIFIED
    assert explorer_server.sent("GET", BS_CONTRACT) == []


def test_blockscout_rejected_submission_is_reported_with_its_message(explorer_server, make, export):
    explorer_server.script(
        "POST", BS_SUBMIT, Reply(404, {"message": "Address is not a smart-contract"})
    )

    outcome = publish_one(make("blockscout"), export)

    assert (outcome.status, outcome.detail) == (FAILED, "Address is not a smart-contract")


def test_blockscout_contract_never_verified_fails_when_the_wait_runs_out(
    explorer_server, make, export
):
    explorer_server.script("POST", BS_SUBMIT, STARTED)
    explorer_server.script("GET", BS_CONTRACT, Reply(200, {"is_verified": False}))

    outcome = publish_one(make("blockscout", max_wait=0.05), export)

    assert outcome.status == FAILED
    assert "not verified after 0.05 s" in outcome.detail and "websocket" in outcome.detail


def test_blockscout_too_many_requests_is_retried_after_its_retry_after(
    explorer_server, make, export, waits
):
    explorer_server.script(
        "POST",
        BS_SUBMIT,
        Reply(429, {"message": "Too Many Requests"}, {"Retry-After": "0"}),
        STARTED,
    )
    explorer_server.script("GET", BS_CONTRACT, Reply(200, {"is_verified": True}))

    outcome = publish_one(make("blockscout"), export)

    assert (outcome.status, outcome.rate_limited) == (VERIFIED, 1)
    assert waits[0] == 0.0  # Retry-After, not the backoff


# --------------------------------------------------------------------------------------------
# Sourcify API v2

SF_SUBMIT = f"/v2/verify/{CHAIN}/{TOKEN}"
JOB = "72d12273-0723-448e-a9f6-f7957128efa5"
SF_JOB = f"/v2/verify/{JOB}"
ACCEPTED = Reply(202, {"verificationId": JOB})


def job(completed: bool, match: str | None = None, error: dict | None = None) -> Reply:
    body: dict[str, Any] = {
        "isJobCompleted": completed,
        "verificationId": JOB,
        "contract": {"match": match, "chainId": str(CHAIN), "address": TOKEN},
    }
    if error:
        body["error"] = error
    return Reply(200, body)


def test_sourcify_submission_sends_std_json_input_version_identifier_and_creation_tx(
    explorer_server, make, export
):
    explorer_server.script("POST", SF_SUBMIT, ACCEPTED)
    explorer_server.script("GET", SF_JOB, job(True, "exact_match"))

    publish_one(make("sourcify"), export)

    (submit,) = explorer_server.sent("POST", SF_SUBMIT)
    assert submit.headers["content-type"] == "application/json"
    assert submit.json == {
        "stdJsonInput": standard_input("contracts/benefits/BenefitToken.sol", "BenefitToken"),
        "compilerVersion": "0.8.30+commit.73712a01",
        "contractIdentifier": "contracts/benefits/BenefitToken.sol:BenefitToken",
        "creationTransactionHash": CREATION_TX,
    }


def test_sourcify_job_pending_then_exact_match_is_verified(explorer_server, make, export):
    explorer_server.script("POST", SF_SUBMIT, ACCEPTED)
    explorer_server.script("GET", SF_JOB, job(False), job(False), job(True, "exact_match"))

    outcome = publish_one(make("sourcify"), export)

    assert (outcome.status, outcome.detail) == (VERIFIED, "exact match")
    assert len(explorer_server.sent("GET", SF_JOB)) == 3


def test_sourcify_partial_match_is_verified_but_says_the_metadata_differs(
    explorer_server, make, export
):
    explorer_server.script("POST", SF_SUBMIT, ACCEPTED)
    explorer_server.script("GET", SF_JOB, job(True, "match"))

    outcome = publish_one(make("sourcify"), export)

    assert (outcome.status, outcome.detail) == (VERIFIED, "partial match (metadata differs)")


def test_sourcify_conflict_means_already_verified(explorer_server, make, export):
    explorer_server.script(
        "POST",
        SF_SUBMIT,
        Reply(
            409,
            {
                "customCode": "already_verified",
                "message": f"Contract {TOKEN} on chain {CHAIN} is already verified",
                "errorId": "23aaf52e-168a-4cfa-8463-65ddfb792efc",
            },
        ),
    )

    assert publish_one(make("sourcify"), export).status == ALREADY_VERIFIED


def test_sourcify_failed_job_is_reported_with_its_code_and_message(explorer_server, make, export):
    explorer_server.script("POST", SF_SUBMIT, ACCEPTED)
    explorer_server.script(
        "GET",
        SF_JOB,
        job(
            True,
            error={
                "customCode": "no_match",
                "message": "The onchain and recompiled bytecodes don't match.",
                "errorId": "f319b7fc-0286-4c23-bf1f-75996419a2ce",
            },
        ),
    )

    outcome = publish_one(make("sourcify"), export)

    assert (outcome.status, outcome.detail) == (
        FAILED,
        "no_match: The onchain and recompiled bytecodes don't match.",
    )


def test_sourcify_too_many_requests_is_retried_with_backoff(explorer_server, make, export, waits):
    limited = Reply(429, {"customCode": "too_many_requests", "message": "Too many requests"})
    explorer_server.script("POST", SF_SUBMIT, limited, ACCEPTED)
    explorer_server.script("GET", SF_JOB, limited, job(True, "exact_match"))

    outcome = publish_one(make("sourcify"), export)

    assert (outcome.status, outcome.rate_limited) == (VERIFIED, 2)
    assert waits == [0.5, 0.5]


# --------------------------------------------------------------------------------------------
# Every explorer


def test_server_error_is_retried_then_the_answer_is_used(explorer_server, make, export):
    explorer_server.script("POST", SF_SUBMIT, Reply(502, {"message": "Bad Gateway"}), ACCEPTED)
    explorer_server.script("GET", SF_JOB, job(True, "exact_match"))

    outcome = publish_one(make("sourcify"), export)

    assert (outcome.status, outcome.rate_limited) == (VERIFIED, 0)
    assert len(explorer_server.sent("POST", SF_SUBMIT)) == 2


def test_each_contract_of_the_export_gets_its_own_verdict(explorer_server, make, both):
    explorer_server.script(
        "POST", ES, es("guid-token"), es("Contract source code already verified", "0")
    )
    explorer_server.script("GET", ES, es("Pass - Verified"))
    seen: list[str] = []

    outcomes = explorers.publish(
        both, make("etherscan"), on_outcome=lambda o: seen.append(o.contract)
    )

    assert [(o.contract, o.status) for o in outcomes] == [
        ("BenefitToken", VERIFIED),
        ("LandRegistry", ALREADY_VERIFIED),
    ]
    assert seen == ["BenefitToken", "LandRegistry"]
    registry = explorer_server.sent("POST", ES)[1].form
    assert registry["contractname"] == "contracts/registry/LandRegistry.sol:LandRegistry"
    assert registry["constructorArguements"] == ""


def test_unreachable_explorer_fails_each_contract_and_says_so(both, waits):
    http = explorers.Http(timeout=1, retries=1, backoff=0.01, sleep=waits.append)
    dead = explorers.explorer_for(
        "sourcify", CHAIN, api_url="http://127.0.0.1:9", http=http, polling=explorers.Polling()
    )

    outcomes = explorers.publish(both, dead)

    assert [o.status for o in outcomes] == [FAILED, FAILED]
    assert outcomes[0].detail == "no answer from http://127.0.0.1:9 after 2 tries (ConnectionError)"


def test_etherscan_without_an_api_key_is_refused(monkeypatch):
    monkeypatch.delenv("ETHERSCAN_API_KEY", raising=False)

    with pytest.raises(ConfigError, match=r"export ETHERSCAN_API_KEY="):
        explorers.explorer_for("etherscan", 1)


@pytest.mark.parametrize("name", explorers.EXPLORERS)
def test_a_chain_without_a_known_explorer_url_needs_api_url(name):
    with pytest.raises(
        ConfigError, match=rf"{name} has no known API for chain 1337: pass --api-url"
    ):
        explorers.explorer_for(name, 1337, api_key="KEY")


def test_an_api_url_that_is_not_http_is_refused():
    with pytest.raises(
        ConfigError, match=r"--api-url must be an http\(s\) URL, not 'localhost:4000'"
    ):
        explorers.explorer_for("blockscout", 1337, api_url="localhost:4000")


def test_known_chains_use_the_public_endpoints():
    assert explorers.explorer_for("etherscan", 11155111, api_key="K").api_url == (
        "https://api.etherscan.io/v2/api"
    )
    assert explorers.explorer_for("blockscout", 11155111).base_url == (
        "https://eth-sepolia.blockscout.com"
    )
    assert explorers.explorer_for("sourcify", 1).api_url == "https://sourcify.dev/server"


def test_a_folder_without_export_json_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"no audit export in .*: run `civic audit export` first"):
        explorers.Export.load(tmp_path)


def test_an_export_missing_a_standard_input_is_refused(tmp_path):
    root = write_export(tmp_path / "export")
    (root / "LandRegistry" / "standard-input.json").unlink()

    with pytest.raises(ConfigError, match=r"LandRegistry/standard-input.json is missing"):
        explorers.Export.load(root)
