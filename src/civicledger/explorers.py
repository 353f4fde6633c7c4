"""Publish an audit export's sources on a block explorer, through the explorer's own API.

`civic audit export` writes, per deployed contract, the Solidity standard-JSON input with every
source of its import closure, the ABI-encoded constructor arguments and the long compiler
version. This module submits those files, unchanged, to one of three verifiers and waits for
its verdict:

- **Etherscan**, API v2 (one endpoint for every chain it serves, chosen by `chainid`):
  `POST /v2/api?chainid=N` with `module=contract&action=verifysourcecode`,
  `codeformat=solidity-standard-json-input`, then `action=checkverifystatus&guid=…` until the
  queue answers "Pass - Verified", "Fail - Unable to verify …" or "Already Verified".
  https://docs.etherscan.io/contract-verification/verify-with-api
- **Blockscout**, REST API v2: `POST /api/v2/smart-contracts/{address}/verification/via/
  standard-input` (multipart: the JSON file as `files[0]`), then `GET /api/v2/smart-contracts/
  {address}` until `is_verified`. Blockscout sends a failed compilation's reason only over its
  websocket (`/socket/v2`, topic `addresses:{address}`), so over HTTP a failure shows as "not
  verified when the wait ran out". https://docs.blockscout.com/devs/verification/blockscout-smart-contract-verification-api
- **Sourcify**, API v2 (the legacy `/verify` with metadata.json is deprecated):
  `POST /v2/verify/{chainId}/{address}` with `stdJsonInput`, `compilerVersion`,
  `contractIdentifier` and `creationTransactionHash`, then `GET /v2/verify/{verificationId}`
  until `isJobCompleted`. https://docs.sourcify.dev/docs/api/ (apiv2.yaml)

Every request has a timeout; rate limits (HTTP 429, or Etherscan's "Max rate limit reached" in a
200 answer) and 5xx answers are retried a bounded number of times with exponential backoff,
honouring `Retry-After`; polling stops after a bounded wait. None of these explorers can be
reached from the project's machines: the request and response handling is tested against a
local server speaking each documented format (tests/integration/test_explorers.py).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import requests

from civicledger.errors import CivicError, ConfigError

EXPLORERS = ("etherscan", "blockscout", "sourcify")
ETHERSCAN_KEY_ENV = "ETHERSCAN_API_KEY"

# Etherscan API v2 serves every chain it knows from one URL; these are the chains it documents
# that a city would plausibly deploy on. Another chain needs --api-url (an Etherscan-compatible
# endpoint of that chain's explorer).
ETHERSCAN_API = "https://api.etherscan.io/v2/api"
ETHERSCAN_CHAINS = {
    1: "https://etherscan.io",
    11155111: "https://sepolia.etherscan.io",
    17000: "https://holesky.etherscan.io",
    560048: "https://hoodi.etherscan.io",
    10: "https://optimistic.etherscan.io",
    8453: "https://basescan.org",
    42161: "https://arbiscan.io",
    137: "https://polygonscan.com",
}
# Blockscout runs one instance per chain.
BLOCKSCOUT_URLS = {
    1: "https://eth.blockscout.com",
    11155111: "https://eth-sepolia.blockscout.com",
    17000: "https://eth-holesky.blockscout.com",
    10: "https://optimism.blockscout.com",
    8453: "https://base.blockscout.com",
    42161: "https://arbitrum.blockscout.com",
    137: "https://polygon.blockscout.com",
    100: "https://gnosis.blockscout.com",
}
# Sourcify's public server verifies on every chain it supports; a dev chain or a city's own
# chain needs a Sourcify instance of its own (--api-url).
SOURCIFY_API = "https://sourcify.dev/server"
SOURCIFY_CHAINS = {1, 11155111, 17000, 560048, 10, 8453, 42161, 137, 100}
SOURCIFY_REPO = "https://repo.sourcify.dev"

# Outcomes, as the CLI prints them.
VERIFIED = "verified"
ALREADY_VERIFIED = "already verified"
FAILED = "failed"

# Blockscout's license_type values for the SPDX identifiers a contract may carry.
_BLOCKSCOUT_LICENSES = {
    "UNLICENSED": "none",
    "Unlicense": "unlicense",
    "MIT": "mit",
    "GPL-2.0": "gnu_gpl_v2",
    "GPL-2.0-only": "gnu_gpl_v2",
    "GPL-2.0-or-later": "gnu_gpl_v2",
    "GPL-3.0": "gnu_gpl_v3",
    "GPL-3.0-only": "gnu_gpl_v3",
    "GPL-3.0-or-later": "gnu_gpl_v3",
    "LGPL-2.1": "gnu_lgpl_v2_1",
    "LGPL-3.0": "gnu_lgpl_v3",
    "BSD-2-Clause": "bsd_2_clause",
    "BSD-3-Clause": "bsd_3_clause",
    "MPL-2.0": "mpl_2_0",
    "OSL-3.0": "osl_3_0",
    "Apache-2.0": "apache_2_0",
    "AGPL-3.0": "gnu_agpl_v3",
    "AGPL-3.0-only": "gnu_agpl_v3",
    "AGPL-3.0-or-later": "gnu_agpl_v3",
    "BUSL-1.1": "bsl_1_1",
}
_SPDX = re.compile(r"SPDX-License-Identifier:\s*([A-Za-z0-9.+-]+)")


def default_export_dir(chain_id: int) -> Path:
    """Where `civic audit export` writes a chain's files unless told otherwise."""
    return Path(f"audit-export-{chain_id}")


# --------------------------------------------------------------------------------------------
# The export


@dataclass(frozen=True)
class ExportedContract:
    """One contract of an export: what an explorer needs to rebuild and match it."""

    name: str
    address: str
    source_unit: str
    contract_name: str
    compiler_version: str
    constructor_args: str
    creation_tx: str | None
    standard_input_path: Path

    @property
    def identifier(self) -> str:
        """`path/to/File.sol:Name`, the fully qualified name every verifier asks for."""
        return f"{self.source_unit}:{self.contract_name}"

    @property
    def bare_constructor_args(self) -> str:
        """The ABI-encoded constructor arguments without 0x, as Etherscan and Blockscout take
        them."""
        args = self.constructor_args.strip()
        return args[2:] if args[:2].lower() == "0x" else args

    def standard_input(self) -> str:
        """The standard-JSON input exactly as exported (sent byte for byte where the API takes
        a file or a string)."""
        return self.standard_input_path.read_text()

    def license(self) -> str | None:
        """The SPDX identifier of the contract's own source unit, if it declares one."""
        try:
            sources = json.loads(self.standard_input())["sources"]
            match = _SPDX.search(sources[self.source_unit].get("content", ""))
        except (KeyError, ValueError, AttributeError):
            return None
        return match.group(1) if match else None


@dataclass(frozen=True)
class Export:
    """The directory `civic audit export` wrote: export.json and one folder per contract."""

    path: Path
    chain_id: int
    contracts: tuple[ExportedContract, ...]

    @classmethod
    def load(cls, path: Path) -> Export:
        index = path / "export.json"
        if not index.is_file():
            raise ConfigError(
                f"no audit export in {path} (no export.json): run `civic audit export` first, "
                "or pass --export DIR"
            )
        try:
            data = json.loads(index.read_text())
            chain_id = int(data["chainId"])
            entries = dict(data["contracts"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{index} is not an audit export ({exc!r}): export again") from None
        if not entries:
            raise ConfigError(f"{index} lists no contracts: export again")
        return cls(
            path=path,
            chain_id=chain_id,
            contracts=tuple(_contract(path, name, entry) for name, entry in entries.items()),
        )


def _contract(root: Path, name: str, entry: dict[str, Any]) -> ExportedContract:
    folder = root / name

    def fact(key: str, fallback_file: str | None = None) -> str:
        value = entry.get(key)
        if value in (None, "") and fallback_file and (folder / fallback_file).is_file():
            value = (folder / fallback_file).read_text().strip()
        if value in (None, ""):
            raise ConfigError(f"{root / 'export.json'}: {name} has no {key}: export again")
        return str(value)

    standard_input = folder / "standard-input.json"
    if not standard_input.is_file():
        raise ConfigError(f"{standard_input} is missing: export again")
    return ExportedContract(
        name=name,
        address=fact("address"),
        source_unit=fact("sourceUnit"),
        contract_name=entry.get("contractName") or name,
        compiler_version=fact("compilerVersion", "compiler-version.txt"),
        constructor_args=entry.get("constructorArgs")
        or _read(folder / "constructor-args.txt")
        or "0x",
        creation_tx=entry.get("creationTx") or None,
        standard_input_path=standard_input,
    )


def _read(path: Path) -> str:
    return path.read_text().strip() if path.is_file() else ""


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class Outcome:
    """What an explorer answered for one contract."""

    contract: str
    address: str
    status: str
    detail: str = ""
    rate_limited: int = 0
    link: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (VERIFIED, ALREADY_VERIFIED)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"address": self.address, "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        if self.rate_limited:
            out["rateLimited"] = self.rate_limited
        if self.link:
            out["link"] = self.link
        return out


class ExplorerUnreachable(CivicError):
    """The explorer gave no usable answer after every retry."""


# --------------------------------------------------------------------------------------------
# HTTP: timeouts, bounded retries with backoff, bounded polling


@dataclass
class Http:
    """`requests` with a timeout on every call and bounded retries of rate limits and 5xx."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)
    rate_limited: int = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        limited: Callable[[requests.Response], bool] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send, retrying a rate limit (HTTP 429 or `limited(response)`), a 5xx and a lost
        connection up to `retries` times, waiting `backoff * 2**attempt` seconds (or the
        server's Retry-After) between tries. Returns the last response."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise ExplorerUnreachable(
                        f"no answer from {_origin(url)} after {self.retries + 1} tries "
                        f"({type(exc).__name__})"
                    ) from None
                self.sleep(self._delay(attempt, None))
                continue
            rate_limited = response.status_code == 429 or bool(limited and limited(response))
            if rate_limited:
                self.rate_limited += 1
            if last or not (rate_limited or response.status_code >= 500):
                return response
            self.sleep(self._delay(attempt, response))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, response: requests.Response | None) -> float:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_delay)
        return min(self.backoff * 2**attempt, self.max_delay)


@dataclass(frozen=True)
class Polling:
    """How often to ask for a verdict, and how long to wait for one."""

    interval: float = 5.0
    max_wait: float = 300.0


def _poll(
    check: Callable[[], Outcome | None],
    polling: Polling,
    sleep: Callable[[float], None],
    timed_out: Callable[[], Outcome],
) -> Outcome:
    """Call `check` until it gives an outcome or `polling.max_wait` seconds have passed."""
    deadline = time.monotonic() + polling.max_wait
    while True:
        outcome = check()
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            return timed_out()
        sleep(polling.interval)


def _origin(url: str) -> str:
    return re.sub(r"^(https?://[^/]+).*$", r"\1", url)


def _one_line(text: Any, limit: int = 400) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"message": f"HTTP {response.status_code}: {_one_line(response.text, 200)}"}
    return body if isinstance(body, dict) else {"message": _one_line(body)}


# --------------------------------------------------------------------------------------------
# Explorers


class Explorer(Protocol):
    name: str

    def publish(self, contract: ExportedContract) -> Outcome: ...


@dataclass
class _Publisher:
    """What every explorer client shares: its HTTP session, its polling, the outcome's shape."""

    http: Http = field(default_factory=Http, kw_only=True)
    polling: Polling = field(default_factory=Polling, kw_only=True)
    name: ClassVar[str]

    def _link(self, contract: ExportedContract) -> str | None:
        raise NotImplementedError

    def _outcome(self, contract: ExportedContract, status: str, detail: str = "") -> Outcome:
        return Outcome(contract.name, contract.address, status, detail, link=self._link(contract))

    def _poll(
        self, contract: ExportedContract, check: Callable[[], Outcome | None], gave_up: str
    ) -> Outcome:
        """`check` until it has an outcome; after the polling's limit, FAILED with `gave_up`."""
        return _poll(
            check, self.polling, self.http.sleep, lambda: self._outcome(contract, FAILED, gave_up)
        )


@dataclass
class Etherscan(_Publisher):
    """Etherscan API v2: submit standard JSON, then poll `checkverifystatus` with the GUID."""

    chain_id: int
    api_key: str
    api_url: str = ETHERSCAN_API
    name: ClassVar[str] = "etherscan"

    def publish(self, contract: ExportedContract) -> Outcome:
        args = contract.bare_constructor_args
        response = self.http.request(
            "POST",
            self.api_url,
            params={"chainid": str(self.chain_id)},
            data={
                "apikey": self.api_key,
                "module": "contract",
                "action": "verifysourcecode",
                "contractaddress": contract.address,
                "sourceCode": contract.standard_input(),
                "codeformat": "solidity-standard-json-input",
                "contractname": contract.identifier,
                "compilerversion": _long_version(contract.compiler_version),
                # The API has long spelt it this way (Hardhat and Foundry send it so); the v2
                # guide spells it correctly. Both carry the same value; the other is ignored.
                "constructorArguements": args,
                "constructorArguments": args,
            },
            limited=_etherscan_limited,
        )
        body = _json(response)
        result = _one_line(body.get("result") or body.get("message") or "")
        if str(body.get("status")) == "1" and result:
            return self._wait(contract, guid=result)
        if "already verified" in result.lower():
            return self._outcome(contract, ALREADY_VERIFIED)
        return self._outcome(contract, FAILED, result or f"HTTP {response.status_code}")

    def _wait(self, contract: ExportedContract, guid: str) -> Outcome:
        def check() -> Outcome | None:
            response = self.http.request(
                "GET",
                self.api_url,
                params={
                    "chainid": str(self.chain_id),
                    "apikey": self.api_key,
                    "module": "contract",
                    "action": "checkverifystatus",
                    "guid": guid,
                },
                limited=_etherscan_limited,
            )
            body = _json(response)
            result = _one_line(body.get("result") or body.get("message") or "")
            lowered = result.lower()
            if lowered.startswith("pending") or lowered.startswith("in progress"):
                return None
            if lowered.startswith("pass"):
                return self._outcome(contract, VERIFIED)
            if "already verified" in lowered:
                return self._outcome(contract, ALREADY_VERIFIED)
            return self._outcome(contract, FAILED, result or f"HTTP {response.status_code}")

        return self._poll(
            contract,
            check,
            f"still pending after {self.polling.max_wait:g} s (guid {guid}); "
            "check the explorer later",
        )

    def _link(self, contract: ExportedContract) -> str | None:
        site = ETHERSCAN_CHAINS.get(self.chain_id)
        return f"{site}/address/{contract.address}#code" if site else None


def _etherscan_limited(response: requests.Response) -> bool:
    """Etherscan reports a rate limit as status "0" with this text, in an HTTP 200."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "rate limit" in str(body.get("result", "")).lower()


@dataclass
class Blockscout(_Publisher):
    """Blockscout REST API v2: submit standard JSON as a file, then poll the contract."""

    base_url: str
    name: ClassVar[str] = "blockscout"

    def publish(self, contract: ExportedContract) -> Outcome:
        form = {
            "compiler_version": _long_version(contract.compiler_version),
            "contract_name": contract.identifier,
            "autodetect_constructor_args": "false",
            "constructor_args": contract.bare_constructor_args,
        }
        license_type = _BLOCKSCOUT_LICENSES.get(contract.license() or "")
        if license_type:
            form["license_type"] = license_type
        response = self.http.request(
            "POST",
            f"{self.base_url}/api/v2/smart-contracts/{contract.address}"
            "/verification/via/standard-input",
            data=form,
            files={
                "files[0]": (
                    "standard-input.json",
                    contract.standard_input(),
                    "application/json",
                )
            },
        )
        message = _one_line(_json(response).get("message") or f"HTTP {response.status_code}")
        if response.status_code == 200 and message.lower().startswith("already verified"):
            return self._outcome(contract, ALREADY_VERIFIED)
        if response.status_code == 200 and "verification started" in message.lower():
            return self._wait(contract)
        return self._outcome(contract, FAILED, message)

    def _wait(self, contract: ExportedContract) -> Outcome:
        def check() -> Outcome | None:
            response = self.http.request(
                "GET", f"{self.base_url}/api/v2/smart-contracts/{contract.address}"
            )
            if response.status_code != 200:
                return None  # not indexed as a contract yet: ask again
            body = _json(response)
            if not body.get("is_verified"):
                return None
            partial = body.get("is_partially_verified") or body.get("is_fully_verified") is False
            return self._outcome(
                contract, VERIFIED, "partial match (metadata differs)" if partial else ""
            )

        return self._poll(
            contract,
            check,
            f"not verified after {self.polling.max_wait:g} s; Blockscout reports why only "
            f"over its websocket (topic addresses:{contract.address}): see the explorer page",
        )

    def _link(self, contract: ExportedContract) -> str | None:
        return f"{self.base_url}/address/{contract.address}?tab=contract"


@dataclass
class Sourcify(_Publisher):
    """Sourcify API v2: submit standard JSON, then poll the verification job."""

    chain_id: int
    api_url: str = SOURCIFY_API
    name: ClassVar[str] = "sourcify"

    def publish(self, contract: ExportedContract) -> Outcome:
        request: dict[str, Any] = {
            "stdJsonInput": json.loads(contract.standard_input()),
            # Sourcify takes the version without Etherscan's leading "v".
            "compilerVersion": _long_version(contract.compiler_version)[1:],
            "contractIdentifier": contract.identifier,
        }
        if contract.creation_tx:
            request["creationTransactionHash"] = contract.creation_tx
        response = self.http.request(
            "POST", f"{self.api_url}/v2/verify/{self.chain_id}/{contract.address}", json=request
        )
        body = _json(response)
        if response.status_code == 202 and body.get("verificationId"):
            return self._wait(contract, str(body["verificationId"]))
        if response.status_code == 409 or body.get("customCode") == "already_verified":
            return self._outcome(contract, ALREADY_VERIFIED)
        return self._outcome(contract, FAILED, _sourcify_error(body, response))

    def _wait(self, contract: ExportedContract, job: str) -> Outcome:
        def check() -> Outcome | None:
            response = self.http.request("GET", f"{self.api_url}/v2/verify/{job}")
            body = _json(response)
            if response.status_code != 200:
                return self._outcome(contract, FAILED, _sourcify_error(body, response))
            if not body.get("isJobCompleted"):
                return None
            if body.get("error"):
                return self._outcome(contract, FAILED, _sourcify_error(body["error"], response))
            match = (body.get("contract") or {}).get("match")
            if match == "exact_match":
                return self._outcome(contract, VERIFIED, "exact match")
            if match == "match":
                return self._outcome(contract, VERIFIED, "partial match (metadata differs)")
            return self._outcome(contract, FAILED, f"job {job} finished without a match")

        return self._poll(
            contract,
            check,
            f"job {job} not finished after {self.polling.max_wait:g} s; "
            f"ask later at {self.api_url}/v2/verify/{job}",
        )

    def _link(self, contract: ExportedContract) -> str | None:
        # The public repository's page, only for the public instance.
        if self.api_url != SOURCIFY_API:
            return None
        return f"{SOURCIFY_REPO}/{self.chain_id}/{contract.address}"


def _sourcify_error(body: dict[str, Any], response: requests.Response) -> str:
    code, message = body.get("customCode"), body.get("message")
    if code and message:
        return _one_line(f"{code}: {message}")
    return _one_line(message or code or f"HTTP {response.status_code}")


def _long_version(version: str) -> str:
    """`v0.8.30+commit.73712a01`, the form Etherscan and Blockscout list."""
    version = version.strip()
    return version if version.startswith("v") else "v" + version


# --------------------------------------------------------------------------------------------
# Choosing an explorer, publishing an export


def explorer_for(
    name: str,
    chain_id: int,
    *,
    api_url: str | None = None,
    api_key: str | None = None,
    http: Http | None = None,
    polling: Polling | None = None,
) -> Explorer:
    """The explorer `name` for chain `chain_id`, at `api_url` if given.

    Raises ConfigError when the explorer serves no known URL for the chain and none is given,
    or when Etherscan's API key is missing ($ETHERSCAN_API_KEY).
    """
    http = http or Http()
    polling = polling or Polling()
    api_url = api_url.strip().rstrip("/") if api_url else None
    if api_url is not None and not re.match(r"^https?://[^/\s]+", api_url):
        raise ConfigError(f"--api-url must be an http(s) URL, not {api_url!r}")
    if name == "etherscan":
        key = api_key if api_key is not None else os.environ.get(ETHERSCAN_KEY_ENV, "")
        if not key.strip():
            raise ConfigError(
                f"Etherscan needs an API key: export {ETHERSCAN_KEY_ENV}=… "
                "(one key serves every chain of API v2)"
            )
        if api_url is None and chain_id not in ETHERSCAN_CHAINS:
            raise _unknown_chain(name, chain_id)
        return Etherscan(
            chain_id, key.strip(), api_url or ETHERSCAN_API, http=http, polling=polling
        )
    if name == "blockscout":
        base = api_url or BLOCKSCOUT_URLS.get(chain_id)
        if base is None:
            raise _unknown_chain(name, chain_id, "the Blockscout instance's URL")
        return Blockscout(base, http=http, polling=polling)
    if name == "sourcify":
        if api_url is None and chain_id not in SOURCIFY_CHAINS:
            raise _unknown_chain(name, chain_id, "a Sourcify server's URL")
        return Sourcify(chain_id, api_url or SOURCIFY_API, http=http, polling=polling)
    raise ConfigError(f"unknown explorer '{name}': choose one of {', '.join(EXPLORERS)}")


def _unknown_chain(name: str, chain_id: int, what: str = "an API URL") -> ConfigError:
    return ConfigError(f"{name} has no known API for chain {chain_id}: pass --api-url with {what}")


def publish(
    export: Export,
    explorer: Explorer,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Submit every contract of `export` to `explorer`, one after the other, and wait for each
    verdict. A contract the explorer cannot be reached for is reported failed; the rest go on."""
    http: Http | None = getattr(explorer, "http", None)
    outcomes = []
    for contract in export.contracts:
        before = http.rate_limited if http else 0
        try:
            outcome = explorer.publish(contract)
        except ExplorerUnreachable as exc:
            outcome = Outcome(contract.name, contract.address, FAILED, str(exc))
        outcome.rate_limited = (http.rate_limited - before) if http else 0
        outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return outcomes
