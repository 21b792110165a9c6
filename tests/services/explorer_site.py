"""The explorer's test site: real devnet journeys (a paid job, a disputed job through both
phases and the court, a honeypot reveal, a cancelled job, a job whose result names a metrics
artifact) indexed into a database, served by a fresh API app; and an HTML reader for its pages."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from assay.chain.devnet import Devnet
from assay.net.uri import make_uri
from assay.protocol.merkle import MerkleTree
from assay.protocol.types import GameId, JobId
from assay.store import LocalStore
from services.api import ApiSettings, create_app
from tests.services import journeys
from tests.services.indexer_db import database, indexer_on

LOSSES = [2.31, 1.7, 1.05, 0.62]  # one per step of a journeys.STEPS-step job
ACCURACY = 0.9375


@dataclass(frozen=True)
class Journeys:
    """The ids the journeys produced on the chain."""

    paid: JobId
    disputed: JobId
    game: GameId
    honeypot: JobId
    cancelled: JobId
    with_metrics: JobId
    metrics_hash: str
    store_dir: Path


def play_journeys(net: Devnet, store_dir: Path) -> Journeys:
    """Every journey the explorer pages are checked on, in one chain."""
    paid = journeys.paid_job(net)
    disputed = journeys.disputed_job(net)
    honeypot = journeys.honeypot_job(net)
    cancelled = journeys.cancelled_job(net)
    with_metrics, metrics_hash = _job_with_metrics(net, LocalStore(store_dir))
    return Journeys(
        paid=paid.job_id,
        disputed=disputed.job_id,
        game=disputed.game_id,
        honeypot=honeypot,
        cancelled=cancelled,
        with_metrics=with_metrics,
        metrics_hash=metrics_hash,
        store_dir=store_dir,
    )


def _job_with_metrics(net: Devnet, store: LocalStore) -> tuple[JobId, str]:
    """A submitted job whose artifact URI names a trace manifest (in the API's store) that names
    a metrics document in `assay repro run`'s format."""
    metrics = {"loss": LOSSES, "metric": "accuracy", "accuracy": ACCURACY}
    metrics_hash = store.put_bytes(json.dumps(metrics).encode())
    manifest = {"kind": "assay-trace-manifest", "version": 1, "metrics": str(metrics_hash)}
    manifest_hash = store.put_bytes(json.dumps(manifest).encode())
    job_id = journeys.post_job(net)
    market = net.actor("solver").protocol.market
    market.claim_job(job_id)
    steps = journeys.HONEST.steps
    market.submit_result(
        job_id,
        steps[-1],
        MerkleTree(steps).root,
        make_uri(str(manifest_hash), ["tcp://127.0.0.1:7411"]),
        secrets.token_bytes(32),
    )
    return job_id, str(metrics_hash)


@contextmanager
def indexed_site(
    net: Devnet, backend: str, tmp: Path, store_dir: Path, **settings: Any
) -> Iterator[TestClient]:
    """The chain indexed into a fresh `backend` database, served by a fresh app."""
    with database(backend, tmp, "explorer") as url:
        with indexer_on(net, url) as (indexer, _):
            indexer.run_until_caught_up()
        app = create_app(ApiSettings(database_url=url, artifact_dir=store_dir, **settings))
        with TestClient(app) as client:
            yield client


@dataclass
class Element:
    """An element of a page: its tag, attributes and text content."""

    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    """A parsed HTML page: every element with its text, by data-testid, and every href."""

    VOID = frozenset({"meta", "link", "input", "br", "img", "hr", "rect", "polyline"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    @classmethod
    def of(cls, html: str) -> Page:
        """Parse `html`."""
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def by_testid(self, testid: str) -> Element:
        """The one element with this data-testid."""
        found = [e for e in self.elements if e.attrs.get("data-testid") == testid]
        assert len(found) == 1, f"{len(found)} elements with data-testid={testid!r}"
        return found[0]

    def text(self, testid: str) -> str:
        """The whitespace-normalized text of the element with this data-testid."""
        return " ".join(self.by_testid(testid).text.split())

    def has(self, testid: str) -> bool:
        return any(e.attrs.get("data-testid") == testid for e in self.elements)

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def hrefs(self) -> list[str]:
        return [e.attrs["href"] for e in self.elements if "href" in e.attrs]
