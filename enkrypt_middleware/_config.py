"""Configuration: policies, deployments and their detectors, in Enkrypt's own shapes.

``load_config`` turns a file, a dict or a :class:`Config` into a :class:`Guardrails`: the compiled,
immutable form the middleware uses per request (detectors built once, lookups precomputed).
Every mistake surfaces here, at start-up, as a :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from hashlib import blake2b
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ._cache import CacheSettings
from ._exceptions import ConfigError
from .detectors import BUILTIN_DETECTORS, DETECTOR_ORDER, PLANNED_DETECTORS
from .detectors._common import DetectorConfig
from .detectors.base import Detector, Located, Report, Reporter, default_report

__all__ = [
    "Config",
    "Deployment",
    "Guardrails",
    "InputPolicyRef",
    "OutputPolicyRef",
    "Policy",
    "load_config",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid")

#: Detector names that only make sense on the output side (they judge an answer). Each is also a switch
#: of the output policy's ``additional_config`` (Enkrypt's), which runs it with its defaults.
OUTPUT_ONLY = ("relevancy", "adherence", "hallucination")

#: Guard-mode window when a blocking detector judges whole answers: each choice is held until it ends.
WHOLE_ANSWER_WINDOW = 1 << 62


class Policy(BaseModel):
    """A named set of detectors, as Enkrypt's guardrails policy: ``{"detectors": {name: {...}}}``."""

    model_config = _FROZEN

    name: str | None = Field(default=None, description="Policy name; defaults to its key in `policies`.")
    description: str = Field(default="", description="Free text, for people.")
    detectors: Mapping[str, Mapping[str, Any]] = Field(
        default_factory=dict,
        description="Detector name -> options (`enabled`, detector options, and ours: `threshold`, "
        "`block_message`, `timeout_ms`, `on_error`).",
    )
    backend: Literal["local", "enkrypt"] = Field(
        default="local",
        description="local: run the detectors here; enkrypt: evaluate them with the Enkrypt guardrails API "
        "(connection in `enkrypt`), one call per side and request.",
    )
    enkrypt_policy: str | None = Field(
        default=None, description="With backend enkrypt: the name of a policy saved at Enkrypt to run instead."
    )
    enkrypt_guardrail: str | None = Field(
        default=None, description="With backend enkrypt: the name of a guardrail saved at Enkrypt to run instead."
    )


class InputAdditionalConfig(BaseModel):
    model_config = _FROZEN

    pii_redaction: bool = Field(
        default=False,
        description="Replace PII in scanned messages by placeholders before the app sees them; restore after.",
    )
    pii_redaction_backend: Literal["local", "enkrypt"] = Field(
        default="local",
        description="Who finds the PII to redact: the local `pii` detector, or Enkrypt's /guardrails/pii "
        "(falling back to the local patterns when a call fails).",
    )


class OutputAdditionalConfig(BaseModel):
    model_config = _FROZEN

    relevancy: bool = Field(
        default=False, description="Run `relevancy` (answer vs the question) with its defaults, if the policy does not."
    )
    adherence: bool = Field(
        default=False,
        description="Run `adherence` (answer vs enkrypt_context) with its defaults, if the policy does not.",
    )
    hallucination: bool = Field(
        default=False,
        description="Run `hallucination` (claims not supported by enkrypt_context) with its defaults, if the policy "
        "does not.",
    )


class _PolicyRef(BaseModel):
    model_config = _FROZEN

    policy_name: str = Field(description="Key of the policy in `policies`.")
    enabled: bool = Field(default=True, description="Run this side at all.")
    block: tuple[str, ...] = Field(
        default=(), description="Detector names that block; enabled detectors not listed only report."
    )


class InputPolicyRef(_PolicyRef):
    """``input_guardrails_policy`` of a deployment."""

    additional_config: InputAdditionalConfig = Field(default_factory=InputAdditionalConfig)


class OutputPolicyRef(_PolicyRef):
    """``output_guardrails_policy`` of a deployment."""

    additional_config: OutputAdditionalConfig = Field(default_factory=OutputAdditionalConfig)


class Deployment(BaseModel):
    """A deployment: which policies guard input and output, and how requests are admitted."""

    model_config = _FROZEN

    name: str | None = Field(default=None, description="Deployment name; defaults to its key.")
    model_saved_name: str | None = Field(default=None, description="Accepted for Enkrypt parity; unused.")
    model_version: str | None = Field(default=None, description="Accepted for Enkrypt parity; unused.")
    input_guardrails_policy: InputPolicyRef | None = Field(default=None, description="Input side.")
    output_guardrails_policy: OutputPolicyRef | None = Field(default=None, description="Output side.")
    api_keys: tuple[SecretStr, ...] = Field(
        default=(), description="When set, requests must carry one of these in the `apikey` header."
    )
    scan: Literal["last_user", "user", "all"] = Field(
        default="last_user",
        description="Input scope: the last user message, all user messages, or every message "
        "(tool results and tool-call arguments included).",
    )
    output_block_mode: Literal["replace", "error"] = Field(
        default="replace",
        description="replace: 200 with the blocked choice replaced by the block message; "
        "error: the error envelope with code output_guardrails_blocked.",
    )
    stream_mode: Literal["audit", "guard"] | None = Field(
        default=None, description="Streaming: audit or guard; default guard when output blocks, else audit."
    )
    stream_window: int = Field(
        default=128,
        ge=1,
        le=65536,
        description="Guard mode: characters of each streamed choice held back until cleared. A value split "
        "across chunks is caught whole if it is no longer than this.",
    )
    stream_overlap: int = Field(
        default=32, ge=0, le=65536, description="Guard mode: characters before the release point re-scanned."
    )
    block_status: int = Field(default=400, ge=400, le=599, description="HTTP status of a block envelope.")
    tags: tuple[str, ...] = Field(default=(), description="Tags attached to every audit event.")
    input_mode: Literal["sequential", "speculative"] = Field(
        default="sequential",
        description="sequential: the app is called once the input side allows the request. speculative (ASGI "
        "only): the app is called at once, concurrently with the input detectors, and its response is held "
        "until they allow it; a block cancels the app. Saves the input side's latency, but the app (and the "
        "model provider behind it) may see, and bill for, a prompt that is then blocked. Not with pii_redaction.",
    )


class Config(BaseModel):
    """The whole configuration file."""

    model_config = _FROZEN

    policies: Mapping[str, Policy] = Field(default_factory=dict, description="Policy name -> policy.")
    deployments: Mapping[str, Deployment] = Field(default_factory=dict, description="Deployment name -> deployment.")
    default_deployment: str | None = Field(
        default=None, description="Used when a request has no X-Enkrypt-Deployment header."
    )
    max_body_size: int = Field(default=10 * 1024 * 1024, gt=0, description="Largest request body, bytes.")
    path_suffixes: tuple[str, ...] = Field(
        default=("/chat/completions", "/completions"),
        description="POSTs to paths ending with one of these are guarded.",
    )
    paths: tuple[str, ...] = Field(default=(), description="Exact paths guarded in addition to the suffixes.")
    strip_enkrypt_context: bool = Field(
        default=True, description="Remove `enkrypt_context` from the body before the app sees it."
    )
    refresh_api_keys: tuple[SecretStr, ...] = Field(
        default=(),
        description="Keys (in `apikey`) allowed to use X-Enkrypt-Refresh-Cache, besides deployment keys.",
    )
    refresh_min_interval_s: float = Field(
        default=5.0, ge=0.0, description="Honour X-Enkrypt-Refresh-Cache at most once per this interval."
    )
    cache: CacheSettings = Field(
        default_factory=CacheSettings, description="The detection cache (results per detector and text)."
    )
    enkrypt: Mapping[str, Any] | None = Field(
        default=None,
        description="Connection to the Enkrypt guardrails API for policies with backend enkrypt: `base_url`, "
        "`api_key` or `api_key_env`, `timeout_ms`, `retries`, `backoff_ms`, `breaker_failures`, "
        "`breaker_cooldown_s`, `budget_ms`, `on_error`.",
    )

    @field_validator("path_suffixes", "paths")
    @classmethod
    def _paths_start_with_slash(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"{path!r} must start with '/'")
        return value


# --- the compiled form -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DetectorEntry:
    """One detector as a side runs it."""

    name: str
    detector: Detector
    options: DetectorConfig
    blocks: bool
    block_message: str
    mode: Literal["inline", "thread", "async"]
    report: Callable[[Sequence[Located]], Report]
    needs_context: bool = False
    """Called as ``detect(text, context)`` with the request's ``ScanContext``."""
    fingerprint: bytes = b""
    """Stands for the detector and its options in detection-cache keys."""
    cacheable: bool = False
    """Whether the detection cache is used for this entry (``cache.scope`` and the detector's ``cacheable``)."""
    group: Any = None
    """The ``DetectorGroup`` (remote policy) that answers this entry, or None for a detector of its own."""
    group_member: bool = True
    """False for a group's stand-in entry: the group decides its detectors, failures are reported under it."""


@dataclass(frozen=True, slots=True)
class Side:
    """One side (input or output) of a deployment, ready to run."""

    policy_name: str
    detectors: tuple[DetectorEntry, ...]
    pii_redaction: bool = False
    checks: OutputAdditionalConfig = field(default_factory=OutputAdditionalConfig)
    inline: tuple[DetectorEntry, ...] = field(init=False)
    """Detectors that run on the caller's thread (fast sync ones)."""
    awaited: tuple[DetectorEntry, ...] = field(init=False)
    """Detectors that run as tasks: async ones, and sync ones sent to a worker thread."""
    groups: tuple[tuple[Any, tuple[DetectorEntry, ...]], ...] = field(init=False)
    """(group, its entries): detectors answered together by one backend call per side."""
    needs_context: bool = field(init=False)
    """Whether a detector of this side needs the request's ``ScanContext`` (else none is built)."""
    cacheable: bool = field(init=False)
    """Whether any detector of this side uses the detection cache."""

    def __post_init__(self) -> None:
        alone = tuple(e for e in self.detectors if e.group is None)
        members: dict[int, tuple[Any, list[DetectorEntry]]] = {}
        for entry in self.detectors:
            if entry.group is not None:
                members.setdefault(id(entry.group), (entry.group, []))[1].append(entry)
        object.__setattr__(self, "inline", tuple(e for e in alone if e.mode == "inline"))
        object.__setattr__(self, "awaited", tuple(e for e in alone if e.mode != "inline"))
        object.__setattr__(self, "groups", tuple((group, tuple(entries)) for group, entries in members.values()))
        object.__setattr__(self, "needs_context", any(e.needs_context for e in self.detectors))
        object.__setattr__(self, "cacheable", any(e.cacheable for e in self.detectors))

    @property
    def blocks(self) -> bool:
        return any(entry.blocks for entry in self.detectors)


@dataclass(frozen=True, slots=True)
class CompiledDeployment:
    name: str
    input: Side | None
    output: Side | None
    api_keys: tuple[bytes, ...]
    scan: Literal["last_user", "user", "all"]
    output_block_mode: Literal["replace", "error"]
    stream_mode: Literal["audit", "guard"]
    stream_window: int
    stream_overlap: int
    block_status: int
    tags: tuple[str, ...]
    output_blocking: Side | None
    """The output side's blocking detectors only: what guard-mode streaming runs before releasing text."""
    input_mode: Literal["sequential", "speculative"] = "sequential"
    """speculative: the ASGI middleware calls the app while the input side runs (``Deployment.input_mode``)."""


@dataclass(frozen=True)
class Guardrails:
    """The compiled configuration: what the middleware consults on every request."""

    config: Config
    deployments: Mapping[str, CompiledDeployment]
    default_deployment: str | None
    source: Path | None = None
    custom_detectors: tuple[Detector, ...] = ()
    refresh_keys: tuple[bytes, ...] = ()
    enkrypt_client: Any = None
    """The ``EnkryptClient`` remote policies share (one connection pool), if any policy is remote."""

    def check_report(self) -> str:
        """Human-readable summary of what each deployment runs and blocks (``enkrypt-middleware check``)."""
        lines: list[str] = []
        for name, deployment in self.deployments.items():
            marker = " (default)" if name == self.default_deployment else ""
            lines.append(
                f"deployment {name}{marker}: scan={deployment.scan}, stream_mode="
                f"{deployment.stream_mode}, output_block_mode={deployment.output_block_mode}"
                f"{', api keys required' if deployment.api_keys else ''}"
            )
            for label, side in (("input", deployment.input), ("output", deployment.output)):
                if side is None:
                    lines.append(f"  {label}: off")
                    continue
                runs = ", ".join(e.name for e in side.detectors) or "nothing"
                blocks = ", ".join(e.name for e in side.detectors if e.blocks) or "nothing"
                extra = " + pii_redaction" if side.pii_redaction else ""
                lines.append(f"  {label} [{side.policy_name}]: runs {runs}{extra}; blocks {blocks}")
        return "\n".join(lines)


# --- loading -----------------------------------------------------------------------------------


def _read_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file: {exc.strerror}", key=str(path)) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - Python 3.10
                try:
                    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
                except ImportError:
                    raise ConfigError("TOML on Python 3.10 needs `pip install tomli`", key=str(path)) from None
            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ConfigError(
                    "YAML configuration needs PyYAML: pip install 'enkrypt-middleware[yaml]'", key=str(path)
                ) from None
            return yaml.safe_load(text)
    except ConfigError:
        raise
    except Exception as exc:  # each parser has its own error type; all mean the same here
        raise ConfigError(f"not valid {suffix[1:].upper()}: {exc}", key=str(path)) from None
    raise ConfigError("unsupported file type; use .json, .toml, .yaml or .yml", key=str(path))


def _dotted(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _validate(model: type[BaseModel], data: Any, prefix: str = "") -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _dotted([*([prefix] if prefix else []), *first["loc"]])
        raise ConfigError(first["msg"], key=key or None) from None


class _Enabled(BaseModel):
    """Reads just ``enabled`` (coerced as pydantic would) to decide whether to build a detector."""

    enabled: bool = True


Local = tuple[tuple[str, Detector, DetectorConfig], ...]


@dataclass(frozen=True)
class _RemotePolicy:
    """A policy the Enkrypt API evaluates: what to send, our options per detector, a saved policy's name."""

    payload: dict[str, dict[str, Any]]
    options: dict[str, DetectorConfig]
    saved: tuple[Literal["policy", "guardrail"], str] | None
    raw: Mapping[str, Mapping[str, Any]]


class _RemoteOptions(DetectorConfig):
    """A remote detector's options: ours, validated here, and Enkrypt's, passed through."""

    model_config = ConfigDict(frozen=True, extra="allow")


Built = Local | _RemotePolicy


class _Enkrypt:
    """The Enkrypt API client of one compile: made on first use, from `enkrypt` (or its defaults and the
    environment), and taken over from the previous configuration when its settings did not change."""

    def __init__(self, raw: Mapping[str, Any] | None, previous: Any) -> None:
        self.raw = raw
        self.previous = previous
        self.made: Any = None

    def client(self) -> Any:
        if self.made is None:
            from .remote.enkrypt import EnkryptClient, EnkryptSettings

            settings = _validate(EnkryptSettings, dict(self.raw or {}), "enkrypt")
            previous = self.previous
            self.made = previous if previous is not None and previous.settings == settings else EnkryptClient(settings)
        return self.made


def _remote_policy(policy_name: str, policy: Policy) -> _RemotePolicy:
    from .remote.policy import LOCAL_OPTIONS, REMOTE_DETECTORS

    where = f"policies.{policy_name}"
    saved: tuple[Literal["policy", "guardrail"], str] | None = None
    if policy.enkrypt_policy is not None and policy.enkrypt_guardrail is not None:
        raise ConfigError("set enkrypt_policy or enkrypt_guardrail, not both", key=f"{where}.enkrypt_guardrail")
    if policy.enkrypt_policy is not None:
        saved = ("policy", policy.enkrypt_policy)
    elif policy.enkrypt_guardrail is not None:
        saved = ("guardrail", policy.enkrypt_guardrail)
    payload: dict[str, dict[str, Any]] = {}
    options: dict[str, DetectorConfig] = {}
    for name in sorted(policy.detectors, key=detector_order):
        raw = policy.detectors[name]
        key = f"{where}.detectors.{name}"
        if name not in REMOTE_DETECTORS:
            raise ConfigError(f"Enkrypt's detect API has no detector {name!r}; run it in a local policy", key=key)
        if not isinstance(raw, Mapping):
            raise ConfigError("detector options must be an object", key=key)
        validated = _validate(_RemoteOptions, raw, key)
        if not validated.enabled:
            continue
        options[name] = DetectorConfig(**{field: getattr(validated, field) for field in LOCAL_OPTIONS})
        payload[name] = {**{k: v for k, v in raw.items() if k not in LOCAL_OPTIONS}, "enabled": True}
    return _RemotePolicy(payload, options, saved, policy.detectors)


def _compile_policies(policies: Mapping[str, Policy], custom: Mapping[str, Detector]) -> dict[str, Built]:
    """Build the enabled detectors of every policy, used or not, so that any mistake shows at start-up."""
    compiled: dict[str, Built] = {}
    for policy_name, policy in policies.items():
        if policy.name is not None and policy.name != policy_name:
            raise ConfigError(
                f"{policy.name!r} differs from the key {policy_name!r}", key=f"policies.{policy_name}.name"
            )
        if policy.backend == "enkrypt":
            compiled[policy_name] = _remote_policy(policy_name, policy)
            continue
        if policy.enkrypt_policy is not None or policy.enkrypt_guardrail is not None:
            raise ConfigError("a saved Enkrypt policy needs backend = enkrypt", key=f"policies.{policy_name}.backend")
        built: list[tuple[str, Detector, DetectorConfig]] = []
        for name in sorted(policy.detectors, key=detector_order):
            raw = policy.detectors[name]
            key = f"policies.{policy_name}.detectors.{name}"
            if not isinstance(raw, Mapping):
                raise ConfigError("detector options must be an object", key=key)
            if not _validate(_Enabled, {"enabled": raw.get("enabled", True)}, key).enabled:
                continue
            built.append((name, *_build_detector(name, raw, key, custom)))
        compiled[policy_name] = tuple(built)
    return compiled


def _fingerprint(name: str, detector: Detector, options: DetectorConfig) -> bytes:
    """Stands for a detector and its options in cache keys: equal options of the same detector, equal keys."""
    kind = type(detector)
    identity = f"{name}\0{kind.__module__}.{kind.__qualname__}\0{id(detector)}\0{options.model_dump_json()}"
    return blake2b(identity.encode(), digest_size=16).digest()


def _cacheable(detector: Detector, mode: str, cache: CacheSettings) -> bool:
    if not cache.enabled or getattr(detector, "cacheable", True) is False:
        return False
    return cache.scope == "all" or mode != "inline"


def _remote_side(
    ref: _PolicyRef, where: str, remote: _RemotePolicy, enkrypt: _Enkrypt, cache: CacheSettings | None
) -> tuple[DetectorEntry, ...]:
    """The entries of a side whose policy Enkrypt evaluates: one group, plus Enkrypt's PII redaction."""
    from .detectors.pii import PIIDetector
    from .remote.policy import EnkryptGroup, EnkryptPIIGroup

    client = enkrypt.client()
    cacheable = cache is not None and cache.enabled
    payload = remote.payload
    entries: tuple[DetectorEntry, ...] = ()
    redaction = isinstance(ref, InputPolicyRef) and ref.additional_config.pii_redaction
    if redaction and "pii" in payload:  # redaction needs positions, which only /guardrails/pii answers
        local, options = _build_detector("pii", remote.raw["pii"], f"{where}.pii", {})
        assert isinstance(local, PIIDetector)  # the built-in `pii` (the fallback when a call fails)
        pii = EnkryptPIIGroup(client, local, options, blocks="pii" in ref.block, cacheable=cacheable)
        entries = (pii.entry(),)
        payload = {name: value for name, value in payload.items() if name != "pii"}
    if payload or remote.saved is not None:
        group = EnkryptGroup(
            client,
            side="output" if isinstance(ref, OutputPolicyRef) else "input",
            payload=payload,
            options=remote.options,
            saved=remote.saved,
            block=ref.block,
            default_message="Blocked by {name}",
        )
        entries += group.entries(cacheable)
    return entries


def _compile_side(
    ref: _PolicyRef,
    where: str,
    policies: Mapping[str, Built],
    custom: Mapping[str, Detector],
    cache: CacheSettings | None = None,
    enkrypt: _Enkrypt | None = None,
) -> Side:
    built = policies.get(ref.policy_name)
    if built is None:
        raise ConfigError(f"no policy named {ref.policy_name!r} in `policies`", key=f"{where}.policy_name")
    remote: tuple[DetectorEntry, ...] = ()
    if isinstance(built, _RemotePolicy):
        remote = _remote_side(ref, where, built, enkrypt or _Enkrypt(None, None), cache)
        built = ()
    if isinstance(ref, OutputPolicyRef):
        present = {name for name, _, _ in built}
        extra = [
            (name, *_build_detector(name, {"enabled": True}, f"{where}.additional_config.{name}", custom))
            for name in OUTPUT_ONLY
            if getattr(ref.additional_config, name) and name not in present
        ]
        if extra:
            built = tuple(sorted((*built, *extra), key=lambda item: detector_order(item[0])))
    else:
        for name, _, _ in built:
            if name in OUTPUT_ONLY:
                raise ConfigError(
                    f"policy {ref.policy_name!r} enables {name!r}, which judges answers: use it in an output policy",
                    key=f"{where}.policy_name",
                )
    known = set(BUILTIN_DETECTORS) | set(PLANNED_DETECTORS) | set(custom) | set(OUTPUT_ONLY)
    for index, name in enumerate(ref.block):
        if name not in known and name not in plugin_detectors():
            raise ConfigError(f"unknown detector {name!r}", key=f"{where}.block.{index}")
    entries = tuple(
        DetectorEntry(
            name=name,
            detector=detector,
            options=options,
            blocks=name in ref.block,
            block_message=options.block_message or _default_message(detector, name),
            mode=(mode := _mode(detector)),
            report=detector.report if isinstance(detector, Reporter) else partial(default_report, name),
            needs_context=getattr(detector, "needs_context", False) is True,
            fingerprint=_fingerprint(name, detector, options),
            cacheable=cache is not None and _cacheable(detector, mode, cache),
        )
        for name, detector, options in built
    )
    if remote:
        entries = tuple(sorted((*remote, *entries), key=lambda entry: detector_order(entry.name)))
    return Side(policy_name=ref.policy_name, detectors=entries)


def _default_message(detector: Detector, name: str) -> str:
    message = getattr(detector, "DEFAULT_BLOCK_MESSAGE", None)
    return message if isinstance(message, str) else f"Blocked by {name}"


def _mode(detector: Detector) -> Literal["inline", "thread", "async"]:
    if inspect.iscoroutinefunction(detector.detect):
        return "async"
    return "inline" if getattr(detector, "inline", False) is True else "thread"


def detector_order(name: str) -> tuple[int, str]:
    """Where a detector runs and reports: built-ins in ``DETECTOR_ORDER``, then the others by name."""
    try:
        return DETECTOR_ORDER.index(name), ""
    except ValueError:
        return len(DETECTOR_ORDER), name


def _build_detector(
    name: str, raw: Mapping[str, Any], key: str, custom: Mapping[str, Detector]
) -> tuple[Detector, DetectorConfig]:
    if name in custom:
        options = _validate(DetectorConfig, raw, key)
        return custom[name], options
    model = BUILTIN_DETECTORS.get(name)
    if model is None:
        plugin = plugin_detectors().get(name)
        if plugin is not None:
            return _build_plugin(plugin, raw, key)
        if name in PLANNED_DETECTORS or name in OUTPUT_ONLY:
            raise ConfigError(
                f"detector {name!r} is not available in this version; set enabled: false or remove it",
                key=key,
            )
        raise ConfigError(f"unknown detector {name!r}", key=key)
    options = _validate(model, {**raw, "name": name}, key)
    try:
        detector = options.build()
    except ValueError as exc:
        raise ConfigError(str(exc), key=key) from None
    return detector, options


#: The entry-point group third-party packages register detectors under (README: "Publishing a detector").
PLUGIN_GROUP = "enkrypt_middleware.detectors"


def plugin_detectors() -> dict[str, EntryPoint]:
    """Detector name -> entry point, of every installed distribution. Read at each compile, never imported."""
    return {point.name: point for point in entry_points(group=PLUGIN_GROUP)}


def _build_plugin(point: EntryPoint, raw: Mapping[str, Any], key: str) -> tuple[Detector, DetectorConfig]:
    """Load a third-party detector: a ``DetectorConfig`` subclass (its options validated, then ``build()``),
    or a factory called with the options that are not common ones, as keyword arguments."""
    try:
        target = point.load()
    except Exception as exc:
        raise ConfigError(
            f"detector plugin {point.value!r} failed to import: {type(exc).__name__}: {exc}", key=key
        ) from None
    if isinstance(target, type) and issubclass(target, DetectorConfig):
        fields = {**raw, "name": point.name} if "name" in target.model_fields else dict(raw)
        options = _validate(target, fields, key)
        make: Callable[[], Any] = options.build
    elif callable(target):
        common = set(DetectorConfig.model_fields)
        options = _validate(DetectorConfig, {k: v for k, v in raw.items() if k in common}, key)
        make = partial(target, **{k: v for k, v in raw.items() if k not in common})
    else:
        raise ConfigError(f"detector plugin {point.value!r} is neither a DetectorConfig nor callable", key=key)
    try:
        detector = make()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"detector plugin {point.name!r} rejected its options: {exc}", key=key) from None
    if not isinstance(detector, Detector):
        raise ConfigError(
            f"detector plugin {point.value!r} made {detector!r}, which has no `name` and `detect`", key=key
        )
    return detector, options


def _enkrypt_redaction(
    entries: tuple[DetectorEntry, ...], enkrypt: _Enkrypt, cache: CacheSettings
) -> tuple[DetectorEntry, ...]:
    """A local policy's ``pii`` entry answered by Enkrypt's /guardrails/pii (the local one stays as fallback)."""
    from .detectors.pii import PIIDetector
    from .remote.policy import EnkryptPIIGroup

    replaced: list[DetectorEntry] = []
    for entry in entries:
        if entry.name == "pii" and entry.group is None and isinstance(entry.detector, PIIDetector):
            group = EnkryptPIIGroup(
                enkrypt.client(), entry.detector, entry.options, blocks=entry.blocks, cacheable=cache.enabled
            )
            replaced.append(group.entry())
        else:
            replaced.append(entry)
    return tuple(replaced)


def compile_config(
    config: Config,
    *,
    detectors: Iterable[Detector] = (),
    source: Path | None = None,
    previous: Guardrails | None = None,
) -> Guardrails:
    """Build every detector once and precompute what a request needs.

    ``previous`` is the configuration this one replaces (a refresh): its Enkrypt client, connection pool and
    circuit breaker are kept when the ``enkrypt`` settings did not change.
    """
    custom: dict[str, Detector] = {}
    for detector in detectors:
        if not isinstance(detector, Detector):
            raise ConfigError(f"{detector!r} has no `name` and `detect`", key="detectors")
        if detector.name in BUILTIN_DETECTORS:
            raise ConfigError(f"custom detector name {detector.name!r} shadows a built-in", key="detectors")
        custom[detector.name] = detector
    policies = _compile_policies(config.policies, custom)
    enkrypt = _Enkrypt(config.enkrypt, previous.enkrypt_client if previous is not None else None)
    compiled: dict[str, CompiledDeployment] = {}
    for name, deployment in config.deployments.items():
        where = f"deployments.{name}"
        if deployment.name is not None and deployment.name != name:
            raise ConfigError(f"{deployment.name!r} differs from the key {name!r}", key=f"{where}.name")
        input_side = output_side = None
        if deployment.input_guardrails_policy and deployment.input_guardrails_policy.enabled:
            in_ref = deployment.input_guardrails_policy
            side = _compile_side(in_ref, f"{where}.input_guardrails_policy", policies, custom, config.cache, enkrypt)
            redaction = in_ref.additional_config.pii_redaction
            if redaction and not any(entry.name == "pii" for entry in side.detectors):
                raise ConfigError(
                    "pii_redaction needs the `pii` detector enabled in the input policy",
                    key=f"{where}.input_guardrails_policy.additional_config.pii_redaction",
                )
            if redaction and deployment.input_mode == "speculative":
                raise ConfigError(
                    "speculative mode calls the app before the input side has run, so pii_redaction cannot rewrite "
                    "the prompt first: use input_mode sequential, or turn pii_redaction off",
                    key=f"{where}.input_mode",
                )
            entries = side.detectors
            if redaction and in_ref.additional_config.pii_redaction_backend == "enkrypt":
                entries = _enkrypt_redaction(entries, enkrypt, config.cache)
            input_side = Side(side.policy_name, entries, pii_redaction=redaction)
        if deployment.output_guardrails_policy and deployment.output_guardrails_policy.enabled:
            out_ref = deployment.output_guardrails_policy
            side = _compile_side(out_ref, f"{where}.output_guardrails_policy", policies, custom, config.cache, enkrypt)
            output_side = Side(side.policy_name, side.detectors, checks=out_ref.additional_config)
        stream_mode = deployment.stream_mode or ("guard" if output_side is not None and output_side.blocks else "audit")
        whole_answer = output_side is not None and any(
            entry.blocks and getattr(entry.detector, "whole_answer", False) is True for entry in output_side.detectors
        )
        compiled[name] = CompiledDeployment(
            name=name,
            input=input_side,
            output=output_side,
            api_keys=tuple(key.get_secret_value().encode() for key in deployment.api_keys),
            scan=deployment.scan,
            output_block_mode=deployment.output_block_mode,
            stream_mode=stream_mode,
            stream_window=WHOLE_ANSWER_WINDOW if whole_answer else deployment.stream_window,
            stream_overlap=deployment.stream_overlap,
            block_status=deployment.block_status,
            tags=deployment.tags,
            output_blocking=None
            if output_side is None
            else Side(output_side.policy_name, tuple(e for e in output_side.detectors if e.blocks)),
            input_mode=deployment.input_mode,
        )
    if config.default_deployment is not None and config.default_deployment not in compiled:
        raise ConfigError(f"no deployment named {config.default_deployment!r}", key="default_deployment")
    return Guardrails(
        config=config,
        deployments=compiled,
        default_deployment=config.default_deployment,
        source=source,
        custom_detectors=tuple(custom.values()),
        refresh_keys=tuple(key.get_secret_value().encode() for key in config.refresh_api_keys),
        enkrypt_client=enkrypt.made,
    )


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any] | Config | Guardrails,
    *,
    detectors: Iterable[Detector] = (),
    previous: Guardrails | None = None,
) -> Guardrails:
    """Load and compile a configuration.

    ``source`` is a path to a ``.json``, ``.toml`` or ``.yaml`` file, a dict in the same shape, a
    :class:`Config`, or an already compiled :class:`Guardrails` (returned as is unless ``detectors``
    adds custom detectors). ``detectors`` are custom detector objects that policies can name.
    ``previous`` is the configuration a refresh replaces (its Enkrypt client is kept if unchanged).
    Raises :class:`ConfigError` naming the bad key.
    """
    path: Path | None = None
    if isinstance(source, Guardrails):
        extra = tuple(detectors)
        if not extra:
            return source
        return compile_config(source.config, detectors=(*source.custom_detectors, *extra), source=source.source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        data = _read_file(path)
        if not isinstance(data, Mapping):
            raise ConfigError("the configuration must be an object at the top level", key=str(path))
        config = _validate(Config, data)
    elif isinstance(source, Config):
        config = source
    elif isinstance(source, Mapping):
        config = _validate(Config, source)
    else:
        raise ConfigError(f"unsupported configuration source {type(source).__name__}", key="config")
    return compile_config(config, detectors=detectors, source=path, previous=previous)
