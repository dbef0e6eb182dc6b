"""Cluster stage: verified edges -> connected components -> stories, with stable ids.

A union-find is a mergeable accumulator, so components come out of one CombineFn:
workers fold their share of the edges, the merges join them. Components are what
duplicates are; a story is stricter, since single links chain (A~B and B~C do not make
A~C): each component of story edges is split by average linkage, two clusters joining
only while the mean similarity over all their pairs of members holds and their published
dates stay within the story window (a component too large to hold its similarity matrix
is linked in chunks, oldest first). The id of a group is the smallest id one of its
members already had in an earlier run, else its smallest member id: neither depends on
the order edges arrive in.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from scipy.sparse import csr_matrix

from schemas.records import Fingerprint
from transforms.fingerprint import term_matrix, term_vector

Edge = tuple[str, str]
# Average linkage holds a component's similarity matrix (2000 articles: 32 MB, 4 s):
# larger components are linked in chunks of this many articles (linkage_in_chunks).
MAX_LINKAGE_MEMBERS = 2000
JOIN_BLOCK_CELLS = 1 << 22  # (unit, story) similarities computed at once: 32 MB


class UnionFind:
    """Parent pointers over string ids; every root is the smallest id of its set."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent
        parent.setdefault(item, item)
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def components(self) -> dict[str, str]:
        return {item: self.find(item) for item in list(self.parent)}


class ComponentsFn(beam.CombineFn):
    """Edges -> {member: component id}."""

    def create_accumulator(self) -> UnionFind:
        return UnionFind()

    def add_input(self, accumulator: UnionFind, edge: Edge) -> UnionFind:
        accumulator.union(*edge)
        return accumulator

    def merge_accumulators(self, accumulators: Iterable[UnionFind]) -> UnionFind:
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for other in accumulators:
            for item, parent in other.parent.items():
                merged.union(item, parent)
        return merged

    def extract_output(self, accumulator: UnionFind) -> dict[str, str]:
        return accumulator.components()


class ConnectedComponents(beam.PTransform):
    """Edges -> (member id, component id) for every id that has an edge."""

    def expand(self, edges):
        return (
            edges
            | "UnionFind" >> beam.CombineGlobally(ComponentsFn())
            | "Members" >> beam.FlatMap(lambda components: components.items())
        )


def stable_ids(component: tuple[str, Iterable[tuple[str, str | None]]]) -> Iterator[Any]:
    """A component's id: the smallest id it already had, else its smallest member.

    When a component holds members of several known groups (a new article bridged
    them), the other known ids are merged into that one: emitted as (old, new).
    """
    root, members = component
    members = list(members)
    known = sorted({previous for _, previous in members if previous})
    final = known[0] if known else root
    for member, _ in members:
        yield member, final
    for old in known[1:]:
        yield beam.pvalue.TaggedOutput("merges", (old, final))


def with_root(keyed: tuple[str, dict[str, list]]) -> Iterator[tuple[str, tuple[str, Any]]]:
    member, joined = keyed
    for root in joined["root"]:  # members of this run's components only
        yield root, (member, next(iter(joined["previous"]), None))


class StableIds(beam.PTransform):
    """{components: (member, root), previous: (member, id it had)} -> ids and merges.

    Output: {"ids": (member, id), "merges": (old id, new id)}.
    """

    def expand(self, inputs):
        results = (
            {"root": inputs["components"], "previous": inputs["previous"]}
            | "JoinPrevious" >> beam.CoGroupByKey()
            | "ByRoot" >> beam.FlatMap(with_root)
            | "Components" >> beam.GroupByKey()
            | "StableIds" >> beam.FlatMap(stable_ids).with_outputs("merges", main="ids")
        )
        return {"ids": results.ids, "merges": results.merges}


class StoryMember(NamedTuple):
    article_id: str
    terms: dict[str, float]  # unit-norm {stem: weight}
    published: float | None  # POSIX seconds
    known_story: str | None  # the story an earlier run put it in
    duplicate_group: str | None = None  # copies of one text are always one story


def posix_seconds(published: str | None) -> float | None:
    if not published:
        return None
    moment = datetime.fromisoformat(published)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def story_member(keyed: tuple[str, dict[str, Iterable[Any]]]) -> Iterator[tuple[str, StoryMember]]:
    """(component root, member) of an article in a component of story edges."""
    article_id, joined = keyed
    fingerprint: Fingerprint | None = next(iter(joined["fingerprint"]), None)
    if fingerprint is None:  # an id known only from the previous run's ids
        return
    for root in joined["root"]:
        yield root, StoryMember(
            article_id,
            term_vector(fingerprint.story_terms, fingerprint.story_weights),
            posix_seconds(fingerprint.published),
            next(iter(joined["previous"]), None),
            next(iter(joined["duplicate_group"]), None),
        )


def story_units(members: list[StoryMember]) -> list[list[int]]:
    """Indices of the members that are one story before any linkage: the articles of a
    story an earlier run made (a known story is never split), and copies of one text."""
    units = UnionFind()
    for member in members:
        for bond in (member.known_story, member.duplicate_group):
            if bond:
                units.union(f"id:{member.article_id}", f"unit:{bond}")
    indices: dict[str, list[int]] = {}
    for index, member in enumerate(members):
        indices.setdefault(units.find(f"id:{member.article_id}"), []).append(index)
    return list(indices.values())


def _indicator(groups: list[list[int]], columns: int) -> csr_matrix:
    """Rows of ones: group i's members."""
    indices = [i for group in groups for i in group]
    pointers = np.cumsum([0] + [len(group) for group in groups])
    return csr_matrix((np.ones(len(indices)), indices, pointers), shape=(len(groups), columns))


def _date_range(members: list[StoryMember], groups: list[list[int]]) -> tuple[np.ndarray, ...]:
    """First and last published date of each group; undated groups span nothing."""
    dates = [[members[i].published for i in g if members[i].published is not None] for g in groups]
    first = np.array([min(d, default=np.inf) for d in dates])
    last = np.array([max(d, default=-np.inf) for d in dates])
    return first, last


def average_linkage(
    members: list[StoryMember], threshold: float, window_seconds: float
) -> list[list[str]]:
    """Members -> stories (lists of ids): agglomerative clustering by average linkage.

    The story units start as clusters; two clusters merge, best pair first, while the
    mean cosine over their pairs of members is at least `threshold` and the published
    dates of the merged cluster span at most `window_seconds` (unknown dates do not count).
    """
    members = sorted(members)
    clusters = story_units(members)
    if len(clusters) < 2:
        return [sorted(members[i].article_id for i in cluster) for cluster in clusters]
    terms = term_matrix([member.terms for member in members])
    similarity = (terms @ terms.T).toarray()
    membership = _indicator(clusters, len(members))
    sums = membership @ (membership @ similarity).T  # summed similarity of every pair
    sizes = np.array([len(cluster) for cluster in clusters], float)
    first, last = _date_range(members, clusters)
    alive = np.ones(len(clusters), bool)

    def linkage(a: np.ndarray | int) -> np.ndarray:
        """Mean similarity of cluster(s) a to every cluster; -inf where no merge may be."""
        mean = sums[a] / np.multiply.outer(sizes[a], sizes)
        span = np.maximum.outer(last[a], last) - np.minimum.outer(first[a], first)
        return np.where((span > window_seconds) | ~alive, -np.inf, mean)  # undated: no span

    mean = linkage(np.arange(len(clusters)))
    np.fill_diagonal(mean, -np.inf)
    while True:  # only the merged cluster's row and column change: update just those
        a, b = np.unravel_index(np.argmax(mean), mean.shape)
        if mean[a, b] < threshold:
            break
        a, b = min(a, b), max(a, b)
        sums[a, :] += sums[b, :]
        sums[:, a] += sums[:, b]
        sizes[a] += sizes[b]
        first[a], last[a] = min(first[a], first[b]), max(last[a], last[b])
        clusters[a] += clusters[b]
        alive[b] = False
        mean[a, :] = mean[:, a] = linkage(a)
        mean[a, a] = -np.inf
        mean[b, :] = mean[:, b] = -np.inf
    return [sorted(members[i].article_id for i in clusters[c]) for c in np.nonzero(alive)[0]]


def best_stories(
    members: list[StoryMember],
    terms: csr_matrix,
    units: list[list[int]],
    stories: list[list[int]],
    threshold: float,
    window_seconds: float,
) -> list[int | None]:
    """For each unit, the story it has the highest mean cosine to, if that reaches
    `threshold` and the window holds; else None."""
    if not units or not stories:
        return [None] * len(units)
    unit_sums = _indicator(units, len(members)) @ terms
    story_sums = (_indicator(stories, len(members)) @ terms).T.tocsc()
    unit_sizes = np.array([len(u) for u in units], float)
    story_sizes = np.array([len(s) for s in stories], float)
    unit_first, unit_last = _date_range(members, units)
    story_first, story_last = _date_range(members, stories)
    best: list[int | None] = []
    rows = max(1, JOIN_BLOCK_CELLS // len(stories))
    for start in range(0, len(units), rows):
        block = slice(start, start + rows)
        mean = (unit_sums[block] @ story_sums).toarray() / np.outer(unit_sizes[block], story_sizes)
        span = np.maximum.outer(unit_last[block], story_last) - np.minimum.outer(
            unit_first[block], story_first
        )
        mean[span > window_seconds] = -np.inf
        for row in mean:
            choice = int(np.argmax(row))
            best.append(choice if row[choice] >= threshold else None)
    return best


def _chunks(units: list[list[int]], members: int) -> Iterator[list[list[int]]]:
    """Consecutive units, at most `members` articles a chunk (a larger unit alone)."""
    chunk: list[list[int]] = []
    size = 0
    for unit in units:
        if chunk and size + len(unit) > members:
            yield chunk
            chunk, size = [], 0
        chunk.append(unit)
        size += len(unit)
    if chunk:
        yield chunk


def linkage_in_chunks(
    members: list[StoryMember], threshold: float, window_seconds: float
) -> list[list[str]]:
    """Stories of a component too large for one average linkage.

    Stored stories stay as they are. The other units, oldest first, come in chunks of
    at most MAX_LINKAGE_MEMBERS articles: a unit joins the story it has the highest mean
    cosine to (as average linkage would merge it), and the rest of the chunk is linked
    by average_linkage into new stories that later chunks may join.
    """
    members = sorted(members)
    position = {member.article_id: i for i, member in enumerate(members)}
    terms = term_matrix([member.terms for member in members])
    stories: list[list[int]] = []  # stored stories first, as they are
    pending: list[list[int]] = []
    for unit in story_units(members):
        (stories if any(members[i].known_story for i in unit) else pending).append(unit)
    first, _ = _date_range(members, pending)
    pending = [pending[i] for i in np.lexsort(([min(u) for u in pending], first))]
    for chunk in _chunks(pending, MAX_LINKAGE_MEMBERS):
        choices = best_stories(members, terms, chunk, stories, threshold, window_seconds)
        rest = []
        for unit, choice in zip(chunk, choices, strict=True):
            if choice is None:
                rest += [members[i] for i in unit]
            else:
                stories[choice] += unit
        linked = average_linkage(rest, threshold, window_seconds)
        stories += [[position[article_id] for article_id in story] for story in linked]
    return [sorted(members[i].article_id for i in story) for story in stories]


def split_component(
    component: tuple[str, Iterable[StoryMember]], threshold: float, window_seconds: float
) -> Iterator[tuple[str, str]]:
    """(member, story root) for every member of a component: its smallest member id."""
    _, members = component
    members = list(members)
    if len(members) > MAX_LINKAGE_MEMBERS:
        beam.metrics.Metrics.counter("stories", "components_linked_in_chunks").inc()
        stories = linkage_in_chunks(members, threshold, window_seconds)
    else:
        stories = average_linkage(members, threshold, window_seconds)
    for story in stories:
        for article_id in story:
            yield article_id, story[0]


class StoryClusters(beam.PTransform):
    """{components: (member, root), fingerprints, previous: (member, story id),
    duplicate_groups: (member, group root)} -> (member, story root) for every member of a
    component, by average linkage."""

    def __init__(self, threshold: float, window_days: float):
        super().__init__()
        self._threshold = threshold
        self._window_seconds = window_days * 86400

    def expand(self, inputs):
        return (
            {
                "root": inputs["components"],
                "fingerprint": inputs["fingerprints"]
                | "KeyPrints" >> beam.WithKeys(lambda f: f.article_id),
                "previous": inputs["previous"],
                "duplicate_group": inputs["duplicate_groups"],
            }
            | "JoinMembers" >> beam.CoGroupByKey()
            | "ByComponent" >> beam.FlatMap(story_member)
            | "Components" >> beam.GroupByKey()
            | "AverageLinkage"
            >> beam.FlatMap(split_component, self._threshold, self._window_seconds)
        )
