"""Agreement KPIs and Dawid-Skene skill: hand-worked cases, reference libraries, properties."""

from __future__ import annotations

import itertools
import time
import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from labelline.kpis.agreement import (
    AgreementSummary,
    SkillResult,
    agreement_from_counts,
    agreement_matrix,
    confusion,
    dawid_skene,
    pairwise_agreement,
)

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# sklearn's kappa validates its input on every call: fewer examples keep the suite quick.
PROPERTY_SKLEARN = settings(PROPERTY, max_examples=50)


# sklearn and statsmodels take seconds to import: only the tests that compare against them
# pay for it, not every collection of the suite.
def cohen_kappa_score(x: object, y: object) -> float:
    from sklearn.metrics import cohen_kappa_score as reference

    return float(reference(x, y))


def statsmodels_fleiss(ratings: np.ndarray) -> float:
    """statsmodels' Fleiss' kappa of an items x raters table of category codes."""
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    table, _ = aggregate_raters(ratings)
    return float(fleiss_kappa(table, method="fleiss"))


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def counts_frame(rows: list[tuple[object, object, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "label", "n"])


def labels_frame(rows: list[tuple[object, object, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "worker_id", "label"])


def counts_from_reliability(data: np.ndarray) -> pd.DataFrame:
    """Raters x items (NaN = missing), as krippendorff wants it -> item_id, label, n."""
    raters, items = np.nonzero(~np.isnan(data))
    long = pd.DataFrame({"item_id": items, "label": data[raters, items].astype(int)})
    return long.groupby(["item_id", "label"]).size().rename("n").reset_index()


def brute_percent_agreement(data: np.ndarray) -> float:
    """Share of agreeing rater pairs per item (items with >= 2 labels), averaged: by enumeration."""
    shares = []
    for column in data.T:
        values = column[~np.isnan(column)]
        if len(values) < 2:
            continue
        pairs = list(itertools.combinations(values, 2))
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return float(np.mean(shares))


def crowdkit_direct(labels: pd.DataFrame) -> tuple[pd.DataFrame, object]:
    """crowd-kit's DawidSkene on the same rows, called the way its documentation shows."""
    from crowdkit.aggregation import DawidSkene

    data = labels.rename(columns={"item_id": "task", "worker_id": "worker"})[["task", "worker", "label"]]
    with warnings.catch_warnings():
        # crowd-kit 1.4 uses pandas keywords deprecated in pandas 3; not what this checks.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"crowdkit\b")
        model = DawidSkene(n_iter=100)
        probas = model.fit_predict_proba(data)
    return probas, model


def synthetic_crowd(
    n_items: int = 300, per_item: int = 4, seed: int = 7
) -> tuple[pd.DataFrame, pd.Series]:
    """Four 90%-accurate workers and one who answers at random; each item gets 4 of them.

    With 4 per item, 2-2 splits are common: majority vote has to guess there, while
    Dawid-Skene should side with the workers it has learnt to trust.
    """
    rng = np.random.default_rng(seed)
    classes = np.array(["cat", "dog", "fox"])
    truth = rng.choice(classes, size=n_items, p=[0.5, 0.3, 0.2])
    accuracy = {"good1": 0.9, "good2": 0.9, "good3": 0.9, "good4": 0.9, "random": None}
    names = np.array(list(accuracy))
    rows = []
    for item in range(n_items):  # test data generation only; the code under test is vectorised
        for worker in rng.choice(names, size=per_item, replace=False):
            acc = accuracy[worker]
            if acc is None:
                label = rng.choice(classes)
            elif rng.random() < acc:
                label = truth[item]
            else:
                label = rng.choice(classes[classes != truth[item]])
            rows.append((item, str(worker), str(label)))
    return labels_frame(rows), pd.Series(truth, index=range(n_items))


# ---------------------------------------------------------------------------------------
# agreement_from_counts
# ---------------------------------------------------------------------------------------


def test_counts_hand_three_items_two_raters() -> None:
    # item 1: A,A   item 2: A,B   item 3: B,B   (item 4: one label -> ignored)
    # percent: (1 + 0 + 1) / 3 = 2/3
    # Fleiss: p_A = p_B = 3/6, Pe = 0.25 + 0.25 = 0.5 -> (2/3 - 1/2) / (1 - 1/2) = 1/3
    # alpha: N = 6 pairable values; coincidence diagonal = 2/1 + 0 + 2/1 = 4, so D_o = 6 - 4 = 2;
    #        D_e = N^2 - sum n_c^2 = 36 - 18 = 18; alpha = 1 - (N - 1) * 2 / 18 = 1 - 10/18 = 4/9
    counts = counts_frame([(1, "A", 2), (2, "A", 1), (2, "B", 1), (3, "B", 2), (4, "A", 1)])
    result = agreement_from_counts(counts)
    assert isinstance(result, AgreementSummary)
    assert (result.items, result.labels) == (3, 6)
    assert result.percent_agreement == pytest.approx(2 / 3)
    assert result.fleiss_kappa == pytest.approx(1 / 3)
    assert result.krippendorff_alpha == pytest.approx(4 / 9)
    # The same data as krippendorff's raters x items table (rater 1, rater 2; item 4 has one).
    reference = krippendorff.alpha(
        np.array([[0, 0, 1, 0], [0, 1, 1, np.nan]]), level_of_measurement="nominal"
    )
    assert result.krippendorff_alpha == pytest.approx(reference, abs=1e-12)


def test_counts_hand_varying_raters() -> None:
    # item 1: A,A,A (m=3, all 3 pairs agree -> 1)   item 2: A,B (m=2 -> 0)
    # percent: (1 + 0) / 2 = 0.5
    # Fleiss (generalised): p_A = 4/5, p_B = 1/5, Pe = 0.64 + 0.04 = 0.68 -> (0.5 - 0.68) / 0.32 = -0.5625
    # alpha: N = 5; diagonal = (9 - 3) / 2 + 0 = 3 -> D_o = 2; D_e = 25 - (16 + 1) = 8; 1 - 4 * 2 / 8 = 0
    counts = counts_frame([(1, "A", 3), (2, "A", 1), (2, "B", 1)])
    result = agreement_from_counts(counts)
    assert (result.items, result.labels) == (2, 5)
    assert result.percent_agreement == pytest.approx(0.5)
    assert result.fleiss_kappa == pytest.approx(-0.5625)
    assert result.krippendorff_alpha == pytest.approx(0.0, abs=1e-12)
    reference = krippendorff.alpha(
        np.array([[0, 0], [0, 1], [0, np.nan]]), level_of_measurement="nominal"
    )
    assert result.krippendorff_alpha == pytest.approx(reference, abs=1e-12)


def test_counts_duplicate_rows_are_added_and_bad_rows_dropped() -> None:
    split = counts_frame(
        [(1, "A", 1), (1, "A", 1), (2, "A", 1), (2, "B", 1), (3, "B", 2), (3, "C", 0), (None, "A", 5), (3, None, 4)]
    )
    whole = counts_frame([(1, "A", 2), (2, "A", 1), (2, "B", 1), (3, "B", 2)])
    assert agreement_from_counts(split) == agreement_from_counts(whole)


def test_counts_empty_and_single_label_items_are_nan() -> None:
    empty = agreement_from_counts(counts_frame([]))
    assert (empty.items, empty.labels) == (0, 0)
    assert np.isnan(empty.percent_agreement) and np.isnan(empty.fleiss_kappa) and np.isnan(empty.krippendorff_alpha)

    lonely = agreement_from_counts(counts_frame([(1, "A", 1), (2, "B", 1)]))
    assert (lonely.items, lonely.labels) == (0, 0)
    assert np.isnan(lonely.percent_agreement) and np.isnan(lonely.krippendorff_alpha)


def test_counts_single_category() -> None:
    # Everyone always says A: perfect raw agreement, but nothing to correct for chance against.
    result = agreement_from_counts(counts_frame([(1, "A", 2), (2, "A", 3)]))
    assert (result.items, result.labels) == (2, 5)
    assert result.percent_agreement == 1.0
    assert np.isnan(result.fleiss_kappa) and np.isnan(result.krippendorff_alpha)


def test_counts_against_statsmodels_equal_raters() -> None:
    # Fleiss' (1971) style data: 10 items x 4 raters, 3 categories.
    ratings = np.array(
        [[0, 0, 0, 1], [1, 1, 1, 1], [0, 2, 2, 2], [2, 2, 2, 2], [0, 1, 2, 0],
         [1, 1, 0, 1], [0, 0, 0, 0], [2, 1, 2, 2], [1, 0, 1, 0], [0, 0, 2, 0]]
    )  # fmt: skip
    result = agreement_from_counts(counts_from_reliability(ratings.T.astype(float)))
    assert result.fleiss_kappa == pytest.approx(statsmodels_fleiss(ratings), abs=1e-12)
    assert result.percent_agreement == pytest.approx(brute_percent_agreement(ratings.T.astype(float)), abs=1e-12)


def test_counts_against_krippendorff_with_missing_values() -> None:
    # krippendorff's own docstring example: 3 coders, 15 units, many missing.
    data = np.array(
        [[np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 1, 2, 1, 1, 3, 3, np.nan, 3],
         [1, np.nan, 2, 1, 3, 3, 4, 3, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
         [np.nan, np.nan, 2, 1, 3, 4, 4, np.nan, 2, 1, 1, 3, 3, np.nan, 4]]
    )  # fmt: skip
    result = agreement_from_counts(counts_from_reliability(data))
    reference = krippendorff.alpha(data, level_of_measurement="nominal")
    assert result.krippendorff_alpha == pytest.approx(reference, abs=1e-12)
    assert result.krippendorff_alpha == pytest.approx(0.691, abs=5e-4)  # the docstring's number


@st.composite
def reliability_data(draw: st.DrawFn, missing: bool) -> np.ndarray:
    raters = draw(st.integers(2, 5))
    items = draw(st.integers(1, 8))
    categories = draw(st.integers(1, 4))
    value = st.integers(0, categories - 1).map(float)
    if missing:
        value = st.one_of(st.just(np.nan), value)
    cells = draw(st.lists(value, min_size=raters * items, max_size=raters * items))
    return np.array(cells, dtype=float).reshape(raters, items)


@PROPERTY
@given(reliability_data(missing=True))
def test_property_alpha_matches_krippendorff(data: np.ndarray) -> None:
    result = agreement_from_counts(counts_from_reliability(data))
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    values = np.unique(data[:, pairable][~np.isnan(data[:, pairable])])
    if not pairable.any() or len(values) < 2:
        # krippendorff raises here; we report "undefined".
        assert np.isnan(result.krippendorff_alpha)
        return
    reference = krippendorff.alpha(data, level_of_measurement="nominal")
    assert abs(result.krippendorff_alpha - reference) < 1e-9
    assert abs(result.percent_agreement - brute_percent_agreement(data)) < 1e-9
    assert 0.0 <= result.percent_agreement <= 1.0


@PROPERTY
@given(reliability_data(missing=False))
def test_property_fleiss_matches_statsmodels(data: np.ndarray) -> None:
    ratings = data.T.astype(int)  # items x raters, complete
    assume(len(np.unique(ratings)) >= 2)  # statsmodels divides by zero otherwise
    result = agreement_from_counts(counts_from_reliability(data))
    assert abs(result.fleiss_kappa - statsmodels_fleiss(ratings)) < 1e-9
    assert abs(result.percent_agreement - brute_percent_agreement(data)) < 1e-9
    assert 0.0 <= result.percent_agreement <= 1.0


# ---------------------------------------------------------------------------------------
# pairwise_agreement and agreement_matrix
# ---------------------------------------------------------------------------------------

HAND_LABELS = labels_frame(
    [
        (4, "a", "x"),  # a's first answer on item 4, replaced below: the last row wins
        (1, "a", "x"), (2, "a", "x"), (3, "a", "y"), (4, "a", "y"),
        (1, "b", "x"), (2, "b", "y"), (3, "b", "y"), (4, "b", "y"),
        (1, "c", "x"), (2, "c", "x"),
    ]
)  # fmt: skip


def test_pairwise_hand() -> None:
    # (a, b): 4 shared, agree on 1, 3, 4 -> 3/4. Marginals a: x2 y2, b: x1 y3;
    #         pe = (2*1 + 2*3) / 16 = 0.5 -> kappa = (0.75 - 0.5) / 0.5 = 0.5
    # (a, c): items 1, 2, both x, x: agree 2/2; pe = 1 -> kappa undefined (NaN)
    # (b, c): items 1, 2: b x,y  c x,x: agree 1/2; pe = (1*2 + 1*0) / 4 = 0.5 -> kappa 0
    pairs = pairwise_agreement(HAND_LABELS)
    assert list(pairs.columns) == ["worker_a", "worker_b", "items", "agreements", "percent_agreement", "cohen_kappa"]
    assert list(zip(pairs.worker_a, pairs.worker_b)) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pairs["items"].tolist() == [4, 2, 2]
    assert pairs["agreements"].tolist() == [3, 2, 1]
    assert pairs["percent_agreement"].tolist() == pytest.approx([0.75, 1.0, 0.5])
    assert pairs["cohen_kappa"].iloc[0] == pytest.approx(0.5)
    assert np.isnan(pairs["cohen_kappa"].iloc[1])
    assert pairs["cohen_kappa"].iloc[2] == pytest.approx(0.0)

    only_big = pairwise_agreement(HAND_LABELS, min_items=3)
    assert list(zip(only_big.worker_a, only_big.worker_b)) == [("a", "b")]


def test_pairwise_kappa_matches_sklearn_on_hand_case() -> None:
    pairs = pairwise_agreement(HAND_LABELS).set_index(["worker_a", "worker_b"])
    final = HAND_LABELS.drop_duplicates(["item_id", "worker_id"], keep="last")
    wide = final.pivot(index="item_id", columns="worker_id", values="label")
    for a, b in [("a", "b"), ("b", "c")]:
        shared = wide[[a, b]].dropna()
        assert pairs.loc[(a, b), "cohen_kappa"] == pytest.approx(cohen_kappa_score(shared[a], shared[b]))


def test_pairwise_edge_cases() -> None:
    empty = pairwise_agreement(labels_frame([]))
    assert empty.empty and list(empty.columns)[:2] == ["worker_a", "worker_b"]
    # No item has two workers: no pairs.
    assert pairwise_agreement(labels_frame([(1, "a", "x"), (2, "b", "x")])).empty
    # A worker labeling the same item twice is not a pair with themself.
    assert pairwise_agreement(labels_frame([(1, "a", "x"), (1, "a", "y")])).empty
    # Missing values are dropped, not treated as a label.
    assert pairwise_agreement(labels_frame([(1, "a", "x"), (1, "b", None)])).empty
    with pytest.raises(KeyError, match="worker_id"):
        pairwise_agreement(pd.DataFrame({"item_id": [1], "label": ["x"]}))


def test_agreement_matrix_hand() -> None:
    matrix = agreement_matrix(pairwise_agreement(HAND_LABELS))
    assert list(matrix.index) == ["a", "b", "c"] and list(matrix.columns) == ["a", "b", "c"]
    values = matrix.to_numpy()
    assert np.isnan(np.diag(values)).all()
    np.testing.assert_array_equal(values, values.T)  # NaN == NaN here
    assert matrix.loc["a", "b"] == pytest.approx(0.5) and matrix.loc["b", "a"] == pytest.approx(0.5)
    assert matrix.loc["c", "b"] == pytest.approx(0.0)
    assert np.isnan(matrix.loc["a", "c"])

    percent = agreement_matrix(pairwise_agreement(HAND_LABELS), value="percent_agreement")
    assert percent.loc["c", "a"] == 1.0

    assert agreement_matrix(pairwise_agreement(labels_frame([]))).shape == (0, 0)


@st.composite
def label_tables(draw: st.DrawFn) -> pd.DataFrame:
    workers = draw(st.integers(2, 5))
    items = draw(st.integers(1, 10))
    categories = draw(st.integers(1, 3))
    present = draw(st.lists(st.booleans(), min_size=workers * items, max_size=workers * items))
    chosen = draw(st.lists(st.integers(0, categories - 1), min_size=workers * items, max_size=workers * items))
    rows = [
        (item, f"w{worker}", f"L{chosen[item * workers + worker]}")
        for item in range(items)
        for worker in range(workers)
        if present[item * workers + worker]
    ]
    return labels_frame(rows)


@PROPERTY_SKLEARN
@given(label_tables())
def test_property_pairwise_matches_sklearn(labels: pd.DataFrame) -> None:
    pairs = pairwise_agreement(labels)
    wide = labels.pivot(index="item_id", columns="worker_id", values="label") if len(labels) else pd.DataFrame()
    expected = set()
    for a, b in itertools.combinations(sorted(wide.columns), 2):
        shared = wide[[a, b]].dropna()
        if len(shared):
            expected.add((a, b))
    assert set(zip(pairs.worker_a, pairs.worker_b)) == expected
    for row in pairs.itertuples():
        shared = wide[[row.worker_a, row.worker_b]].dropna()
        x, y = shared[row.worker_a], shared[row.worker_b]
        assert row.worker_a < row.worker_b
        assert row.items == len(shared) and row.agreements == int((x == y).sum())
        assert 0.0 <= row.percent_agreement <= 1.0
        if set(x) == set(y) and len(set(x)) == 1:
            assert np.isnan(row.cohen_kappa)  # sklearn warns and cannot say either
        else:
            assert abs(row.cohen_kappa - cohen_kappa_score(x, y)) < 1e-9


@PROPERTY
@given(label_tables())
def test_property_kappa_symmetric(labels: pd.DataFrame) -> None:
    # Renaming workers so that every pair's order flips must not change any pair's numbers.
    flipped = labels.assign(worker_id=labels.worker_id.map(lambda w: f"w{9 - int(w[1:])}"))
    original = pairwise_agreement(labels)
    mirrored = pairwise_agreement(flipped)
    back = {f"w{9 - i}": f"w{i}" for i in range(10)}
    mirrored = mirrored.assign(
        worker_a=mirrored.worker_b.map(back), worker_b=mirrored.worker_a.map(back)
    ).sort_values(["worker_a", "worker_b"], ignore_index=True)
    pd.testing.assert_frame_equal(original, mirrored, check_dtype=False, check_exact=False, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# dawid_skene
# ---------------------------------------------------------------------------------------


def test_dawid_skene_hand_unanimous() -> None:
    # Three workers agree on every item: the aggregate is their label with certainty, and
    # everyone's estimated accuracy is 1 (sum_c prior_c * P(c | c) with P(c | c) = 1).
    truth = {1: "x", 2: "y", 3: "x", 4: "y"}
    rows = [(item, worker, label) for item, label in truth.items() for worker in ("u", "v", "w")]
    result = dawid_skene(labels_frame(rows))
    assert isinstance(result, SkillResult)
    assert list(result.items.columns) == ["item_id", "label", "confidence"]
    assert list(result.workers.columns) == ["worker_id", "skill", "labels"]
    assert dict(zip(result.items.item_id, result.items.label)) == truth
    assert result.items.confidence.tolist() == pytest.approx([1.0] * 4, abs=1e-6)
    assert result.workers.worker_id.tolist() == ["u", "v", "w"]
    assert result.workers.skill.tolist() == pytest.approx([1.0] * 3, abs=1e-6)
    assert result.workers["labels"].tolist() == [4, 4, 4]


def test_dawid_skene_matches_crowdkit_directly() -> None:
    labels, _ = synthetic_crowd(n_items=150, seed=3)
    labels = labels.sort_values(["item_id", "worker_id"], ignore_index=True)
    result = dawid_skene(labels)
    probas, model = crowdkit_direct(labels)

    items = result.items.set_index("item_id")
    assert (items["label"] == probas.idxmax(axis=1).reindex(items.index)).all()
    np.testing.assert_allclose(items["confidence"], probas.max(axis=1).reindex(items.index), rtol=1e-12)

    # Skill by the definition, one worker and class at a time from crowd-kit's own estimates.
    for row in result.workers.itertuples():
        expected = sum(
            model.priors_[c] * model.errors_.loc[(row.worker_id, c), c]
            for c in model.priors_.index
            if (row.worker_id, c) in model.errors_.index
        )
        assert row.skill == pytest.approx(expected, rel=1e-12)
        assert row.labels == int((labels.worker_id == row.worker_id).sum())


def test_dawid_skene_random_worker_has_lowest_skill_and_beats_majority_vote() -> None:
    labels, truth = synthetic_crowd(n_items=300, seed=7)
    result = dawid_skene(labels)
    skill = result.workers.set_index("worker_id")["skill"]
    assert skill.idxmin() == "random"
    assert (skill.drop("random") > 0.8).all()  # the good ones are recognisably good

    # Majority vote with ties broken by the alphabetically first label.
    votes = labels.groupby(["item_id", "label"]).size().rename("n").reset_index()
    votes = votes.sort_values(["item_id", "n", "label"], ascending=[True, False, True])
    majority = votes.drop_duplicates("item_id").set_index("item_id")["label"]
    aggregated = result.items.set_index("item_id")["label"]
    mv_accuracy = (majority == truth.reindex(majority.index)).mean()
    ds_accuracy = (aggregated == truth.reindex(aggregated.index)).mean()
    assert ds_accuracy >= mv_accuracy


def test_dawid_skene_empty_and_duplicates() -> None:
    empty = dawid_skene(labels_frame([]))
    assert empty.items.empty and list(empty.items.columns) == ["item_id", "label", "confidence"]
    assert empty.workers.empty and list(empty.workers.columns) == ["worker_id", "skill", "labels"]
    assert dawid_skene(labels_frame([(1, "a", None)])).items.empty

    # a's first answer on item 1 is replaced: only the last one counts, once.
    rows = [(1, "a", "y"), (1, "a", "x"), (1, "b", "x"), (2, "a", "y"), (2, "b", "y")]
    result = dawid_skene(labels_frame(rows))
    assert result.workers.set_index("worker_id")["labels"].to_dict() == {"a": 2, "b": 2}
    assert result.items.set_index("item_id")["label"].to_dict() == {1: "x", 2: "y"}


def test_dawid_skene_single_category() -> None:
    result = dawid_skene(labels_frame([(1, "a", "x"), (1, "b", "x"), (2, "a", "x")]))
    assert result.items.label.tolist() == ["x", "x"]
    assert result.workers.skill.tolist() == pytest.approx([1.0, 1.0])


# ---------------------------------------------------------------------------------------
# confusion
# ---------------------------------------------------------------------------------------


def test_confusion_hand() -> None:
    # reference dog: 3 called cat, 2 dog, 1 bird (6 in all); reference cat: 1 dog, 5 cat (6)
    # off-diagonal: (cat, dog) 3 -> 3/6; (bird, dog) 1 -> 1/6; (dog, cat) 1 -> 1/6
    # ties on n are ordered by label: bird before dog.
    frame = pd.DataFrame(
        {
            "label": ["cat"] * 3 + ["dog"] * 2 + ["bird"] + ["dog"] + ["cat"] * 5 + [None],
            "reference": ["dog"] * 6 + ["cat"] * 6 + ["cat"],
        }
    )
    result = confusion(frame)
    assert list(result.columns) == ["label", "reference", "n", "share_of_reference"]
    assert list(zip(result.label, result.reference, result.n)) == [("cat", "dog", 3), ("bird", "dog", 1), ("dog", "cat", 1)]
    assert result.share_of_reference.tolist() == pytest.approx([3 / 6, 1 / 6, 1 / 6])
    assert len(confusion(frame, top=2)) == 2


def test_confusion_edge_cases() -> None:
    empty = confusion(pd.DataFrame({"label": [], "reference": []}))
    assert empty.empty and list(empty.columns) == ["label", "reference", "n", "share_of_reference"]
    assert confusion(pd.DataFrame({"label": ["a", "b"], "reference": ["a", "b"]})).empty  # all correct
    with pytest.raises(ValueError):
        confusion(pd.DataFrame({"label": ["a"], "reference": ["b"]}), top=-1)


# ---------------------------------------------------------------------------------------
# scale: a guard against Python loops over items or pairs creeping in
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_million_rows_in_seconds() -> None:
    rng = np.random.default_rng(0)
    n = 1_200_000
    labels = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n // 3), 3),
            "worker_id": rng.integers(0, 300, n),
            "label": rng.integers(0, 4, n),
        }
    )
    counts = labels.groupby(["item_id", "label"]).size().rename("n").reset_index()
    start = time.perf_counter()
    pairs = pairwise_agreement(labels)
    summary = agreement_from_counts(counts)
    elapsed = time.perf_counter() - start
    assert len(pairs) > 40_000 and summary.items == n // 3
    assert abs(summary.krippendorff_alpha) < 0.01  # random labels: no agreement beyond chance
    # ~1 s on a 2-core box; the margin is for loaded CI, a Python loop would be far slower.
    assert elapsed < 10.0, f"{elapsed:.1f}s for {n} rows"
