"""Entity name search (主体名称查询): find a market entity by a name, a fragment, a former name,
its USCC, pinyin or initials — the way people type Chinese company names.

Only what the public may see is indexed: a name enters the index when at least one record about
the entity passes :func:`store.view` for the public audience, so a natural person (whose records
are never public) or an entity with nothing published cannot be found.

Matching, from strongest to weakest, each normalised first (:func:`normalise_name`: traditional
→ simplified with OpenCC, full-width → half-width, brackets unified, company-form suffixes such
as 有限责任公司 / 股份有限公司 removed, spaces dropped):

1. the USCC itself (exact);
2. the query inside the name (``汤逊湖食品`` finds 武汉汤逊湖食品有限公司);
3. pinyin or initials (``tangxunhu``, ``whtxh``), from pypinyin;
4. typo tolerance: rapidfuzz's partial ratio over the names (``汤逊糊食品``).

The index refreshes from the change log: :meth:`EntityIndex.refresh` reads the events after the
position it has seen and re-reads only the entities those events touch.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from opencc import OpenCC
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from catalog import load_catalog
from store.exchange import Store
from store.views import Audience, may_see_dataset, view

NAME_FIELDS = ("counterpart_name",)
"""Fields that carry the entity's name in a record."""
FORMER_NAME_FIELDS = ("former_name", "former_names")
"""Fields that may carry former names (曾用名)."""

_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "合伙企业",
    "个人独资企业",
    "分公司",
    "公司",
)
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")"})
_NOISE = re.compile(r"[\s·•,，.。\-_/]+")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_LATIN = re.compile(r"^[a-z0-9 ]+$")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalise_name(name: str) -> str:
    """A name reduced to what people mean by it.

    ``武漢（漢陽）華夏有限責任公司`` → ``武汉(汉阳)华夏``.
    """
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    text = _t2s().convert(text).lower()
    text = _NOISE.sub("", text)
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            if len(text) > len(suffix):  # a bare suffix stays what it is
                text = text[: -len(suffix)]
            break
    return text


def _keep(chars: str) -> Any:
    """pypinyin's handler for characters without pinyin: keep each one as its own syllable."""
    return list(chars)


def _pinyin(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Chinese characters in ``text``; other characters kept."""
    syllables: list[str] = lazy_pinyin(text, errors=_keep)
    return "".join(syllables), "".join(s[:1] for s in syllables)


@dataclass(slots=True)
class Entity:
    """One searchable entity: its code, the name shown, and every name it may be found by."""

    uscc: str
    name: str
    names: set[str] = field(default_factory=set)
    keys: tuple[str, ...] = ()
    spellings: tuple[tuple[str, str], ...] = ()
    records: int = 0

    def finish(self) -> None:
        """Derive the match keys: normalised names, and the (pinyin, initials) of each name both
        with and without its company-form suffix (people type ``whtxh`` and ``whtxhyxgs``)."""
        self.keys = tuple(sorted({normalise_name(n) for n in self.names} - {""}))
        full = {_t2s().convert(unicodedata.normalize("NFKC", n)) for n in self.names}
        self.spellings = tuple(sorted({_pinyin(k) for k in (*self.keys, *full)}))


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result: the entity, how it matched, and a score in [0, 100]."""

    uscc: str
    name: str
    score: float
    matched: str
    records: int


class EntityIndex:
    """An in-memory index of the publicly visible entities of a store.

    Thread-safe: pages call :meth:`search` from the thread pool while :meth:`refresh` may run.
    """

    def __init__(self, store: Store, *, audience: Audience = Audience.PUBLIC) -> None:
        self._store = store
        self._audience = audience
        self._lock = threading.Lock()
        self._entities: dict[str, Entity] = {}
        self._keys: list[tuple[str, str]] = []  # (normalised name, uscc) for fuzzy matching
        self._position = -1
        self._day: date | None = None

    @property
    def position(self) -> int:
        """The change-log position the index reflects (-1 before the first build)."""
        return self._position

    def __len__(self) -> int:
        return len(self._entities)

    def refresh(self, today: date) -> None:
        """Bring the index up to the store's head (a full build the first time and on a new
        day, since publication windows open and close by date)."""
        head = self._store.head()
        with self._lock:
            if self._day != today or self._position < 0:
                self._build(today, head)
            elif head > self._position:
                self._update(today, head)

    def _build(self, today: date, head: int) -> None:
        entities: dict[str, Entity] = {}
        for dataset in self._datasets():
            after: str | None = None
            while True:
                page = self._store.records(dataset, after_record_id=after, limit=1000)
                for stored in page:
                    self._add(entities, stored.uscc, view(stored, self._audience, today=today))
                if len(page) < 1000:
                    break
                after = page[-1].record_id
        for entity in entities.values():
            entity.finish()
        self._install(entities, today, head)

    def _update(self, today: date, head: int) -> None:
        touched: set[str] = set()
        for event in self._store.iter_changes(after=self._position):
            if event.seq > head:
                break
            code = self._store.get(event.record_id).uscc
            if code:
                touched.add(code)
        entities = dict(self._entities)
        for code in touched:
            entities.pop(code, None)
            fresh: dict[str, Entity] = {}
            for stored in self._store.by_uscc(code, state="active"):
                if may_see_dataset(stored.dataset, self._audience):
                    self._add(fresh, stored.uscc, view(stored, self._audience, today=today))
            for entity in fresh.values():
                entity.finish()
            entities.update(fresh)
        self._install(entities, today, head)

    def _datasets(self) -> list[str]:
        return [d for d in load_catalog().ids() if may_see_dataset(d, self._audience)]

    @staticmethod
    def _add(entities: dict[str, Entity], code: str | None, seen: dict[str, Any] | None) -> None:
        if seen is None or not code:
            return
        found: list[Any] = [seen.get(f) for f in NAME_FIELDS]
        for former in FORMER_NAME_FIELDS:
            value = seen.get(former)
            found.extend(value if isinstance(value, list) else [value])
        names = [n for n in found if isinstance(n, str) and n.strip()]
        if not names:
            return
        entity = entities.get(code)
        if entity is None:
            entity = entities[code] = Entity(uscc=code, name=names[0])
        entity.names.update(names)
        entity.records += 1

    def _install(self, entities: dict[str, Entity], today: date, head: int) -> None:
        self._entities = entities
        self._keys = [(key, e.uscc) for e in entities.values() for key in e.keys]
        self._day, self._position = today, head

    def search(self, query: str, *, limit: int = 20) -> list[Hit]:
        """The best matches for ``query``, strongest first (ties by name)."""
        text = query.strip()
        if not text:
            return []
        with self._lock:
            entities, keys = self._entities, self._keys
        code = unicodedata.normalize("NFKC", text).upper().replace(" ", "")
        if _USCC.match(code):
            found = entities.get(code)
            return [_hit(found, 100.0, "uscc")] if found else []
        scores: dict[str, tuple[float, str]] = {}

        def keep(uscc: str, score: float, how: str) -> None:
            if score > scores.get(uscc, (0.0, ""))[0]:
                scores[uscc] = (score, how)

        wanted = normalise_name(text)
        latin = _LATIN.match(text.lower()) is not None
        spelled = text.lower().replace(" ", "")
        for entity in entities.values():
            for key in entity.keys:
                if wanted and wanted in key:
                    keep(entity.uscc, 90.0 + 10.0 * len(wanted) / len(key), "name")
            if not latin:
                continue
            for pinyin, initials in entity.spellings:
                if spelled in pinyin:
                    keep(entity.uscc, 80.0 + 10.0 * len(spelled) / len(pinyin), "pinyin")
                elif spelled in initials:
                    keep(entity.uscc, 75.0 + 10.0 * len(spelled) / len(initials), "initials")
        if not latin and len(scores) < limit and len(wanted) >= 2:
            choices = [key for key, _ in keys]
            for _key, score, index in process.extract(
                wanted, choices, scorer=fuzz.partial_ratio, limit=limit * 2, score_cutoff=70
            ):
                keep(keys[index][1], min(float(score), 89.0) * 0.8, "similar")
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], entities[kv[0]].name))
        return [_hit(entities[code], score, how) for code, (score, how) in ranked[:limit]]


def _hit(entity: Entity, score: float, how: str) -> Hit:
    return Hit(entity.uscc, entity.name, round(score, 1), how, entity.records)
