"""Label Studio results as canonical label text: the same answer always gives the same string.

Region ids, image sizes and other noise are dropped and sets are sorted, so two annotators
who drew the same box or picked the same choices get equal labels (agreement depends on it).
"""

from __future__ import annotations

import json
from typing import Any

# Keys inside a result value that describe the region, not the answer.
_VALUE_NOISE = frozenset({"id", "original_width", "original_height", "image_rotation", "type"})


# Value keys that hold a set of labels: their order is click order, not meaning.
_SET_KEYS = frozenset(
    {"choices", "labels", "rectanglelabels", "polygonlabels", "keypointlabels", "brushlabels",
     "ellipselabels", "hypertextlabels", "paragraphlabels", "timeserieslabels", "htmllabels"}
)  # fmt: skip


def _answer_from_results(result: list[Any]) -> Any:
    """The answer of a result list, grouped by control; None when there is none.

    Region ids, sizes and per-result bookkeeping are dropped so two annotators who
    drew the same thing get the same label. Relations reference region ids and are
    left out.
    """
    groups = _result_groups(result)
    answers = {k: a for k, v in groups.items() if (a := _group_answer(v)) is not None}
    if not answers:
        return None
    return next(iter(answers.values())) if len(answers) == 1 else answers


def _result_label(result: list[Any]) -> str | None:
    """``_label_text(_answer_from_results(result))``, without building and re-encoding
    region objects in the common one-control case (this runs once per annotation)."""
    groups = _result_groups(result)
    if len(groups) == 1:
        values = next(iter(groups.values()))
        answer = _group_answer(values, as_text=True)
        return answer if isinstance(answer, str) or answer is None else _dumps(answer)
    return _label_text(_answer_from_results(result))


def _result_groups(result: list[Any]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in result:
        if isinstance(r, dict):
            value = r.get("value")
            if isinstance(value, dict):
                control = r.get("from_name") or r.get("type") or ""
                groups.setdefault(str(control), []).append(value)
    return groups


def _group_answer(values: list[dict[str, Any]], as_text: bool = False) -> Any:
    """One control's answer: a choice string, a sorted list of choices, or sorted regions.

    With ``as_text`` a region list comes back as its JSON text (same text ``_dumps``
    would give), which saves encoding every region twice.
    """
    if len(values) == 1:
        choices = values[0].get("choices")
        if len(values[0]) == 1 and type(choices) is list and len(choices) == 1 and type(choices[0]) is str:
            return choices[0]
    cleaned = [{k: v for k, v in value.items() if k not in _VALUE_NOISE} for value in values]
    for kind in ("choices", "taxonomy", "text"):
        if cleaned and all(len(c) == 1 and isinstance(c.get(kind), list) for c in cleaned):
            items: list[Any] = [x for c in cleaned for x in c[kind]]
            if kind == "taxonomy":
                items = ["/".join(map(str, p)) if isinstance(p, list) else p for p in items]
            if not all(isinstance(x, str) for x in items):
                break
            if kind != "text":
                items = sorted(set(items))
            if not items:
                return None
            if len(items) == 1:
                return items[0]
            return _dumps(items) if as_text else items
    texts = sorted(_dumps(_canon(c) if _needs_canon(c) else c) for c in cleaned if c)
    if not texts:
        return None
    if as_text:
        return "[" + ",".join(texts) + "]"
    return [json.loads(t) for t in texts]


def _needs_canon(value: dict[str, Any]) -> bool:
    """False when ``_canon`` would change nothing (no nested dicts, no list to sort)."""
    return any(type(v) is dict or (type(v) is list and len(v) > 1) for v in value.values())


def _canon(value: Any, key: str | None = None) -> Any:
    """Order-free form: label sets (``labels``, ``choices``...) sorted; everything else
    (points, rankings, text lines) keeps its order because there the order is the answer.
    """
    if isinstance(value, dict):
        return {k: _canon(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canon(v) for v in value]
        if key in _SET_KEYS and all(isinstance(v, str) for v in items):
            return sorted(items)
        return items
    return value


def _label_text(answer: Any) -> str | None:
    if answer is None:
        return None
    if isinstance(answer, str):
        return answer
    return _dumps(answer)


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_encode_str = json.encoder.encode_basestring  # what the encoder above uses for strings


def _fast_encoder() -> Any:
    """The C encoder ``_ENCODER`` builds on every call, built once (halves the cost of
    small dumps). No cycle check: parsed JSON cannot contain cycles. None when the
    interpreter has no C accelerator or its output differs from ``_ENCODER``'s."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        encoder = make(None, str, _encode_str, None, ":", ",", True, False, True)
        sample = {"b": [1.5, "\u00e9\"", None, True], "a": 10**20}
        if "".join(encoder(sample, 0)) != _ENCODER.encode(sample):
            return None
    except Exception:  # noqa: BLE001 - any surprise means: use the portable path
        return None
    return encoder


def _dumps(value: Any) -> str:
    """Compact, key-sorted JSON: the same value always gives the same text.

    Always the standard library, never orjson: labels and meta are hashed to detect
    changes, so their text must not depend on which JSON library is installed.
    """
    if _C_ENCODER is not None:
        return "".join(_C_ENCODER(value, 0))
    return _ENCODER.encode(value)


_C_ENCODER = _fast_encoder()

