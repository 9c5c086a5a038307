"""Interaction logs: formats, time order with stable ties, filters, the leave-one-out split, bad inputs."""

import gzip
from types import SimpleNamespace

import numpy as np
import pytest

from rnnlp.data.interactions import leave_one_out, read_log, session_parallel, sessions, user_sequences
from rnnlp.errors import ConfigError, DataError


def dcfg(**kw):
    base = dict(format=None, user_column="user", item_column="item", time_column="timestamp", root=None)
    return SimpleNamespace(**{**base, **kw})


def names(data):
    return [[data.names[i] for i in s] for s in data.seqs]


def test_csv_is_sorted_by_time_per_user_with_ties_in_file_order(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item,timestamp\nb,x,5\na,q,3\na,p,3\nb,y,1\na,r,1\na,s,3\n")
    data = user_sequences(read_log(path, dcfg()))
    assert data.users == ["b", "a"]  # order of first appearance
    assert names(data) == [["y", "x"], ["r", "q", "p", "s"]]  # q, p, s tie at 3: file order
    assert data.names[0] == "<pad>" and data.num_items == 6


def test_ids_are_read_as_written_never_as_numbers(tmp_path):  # B110
    path = tmp_path / "log.csv"
    path.write_text("user,item,timestamp\n01,07,1\n01,7,2\n01,018,3\n1,7,1\n")
    log = read_log(path, dcfg())
    assert log.items == ["07", "7", "018", "7"] and log.users == ["01", "01", "01", "1"]


def test_tsv_parquet_and_date_strings_read_alike(tmp_path):
    import datasets

    rows = {"u": ["1", "1", "2"], "i": ["a", "b", "a"], "t": ["2020-01-02", "2020-01-01", "2020-01-03"]}
    datasets.Dataset.from_dict(rows).to_parquet(str(tmp_path / "log.parquet"))
    (tmp_path / "log.tsv").write_text("u\ti\tt\n" + "".join(f"{u}\t{i}\t{t}\n" for u, i, t in zip(*rows.values())))
    cfg = dcfg(user_column="u", item_column="i", time_column="t")
    for name in ("log.parquet", "log.tsv"):
        assert names(user_sequences(read_log(tmp_path / name, cfg))) == [["b", "a"], ["a"]]


def test_movielens_u_data_and_ratings_dat(tmp_path):
    (tmp_path / "u.data").write_text("1\t10\t5\t300\n1\t11\t3\t100\n2\t10\t4\t50\n")
    with gzip.open(tmp_path / "ratings.dat.gz", "wt") as f:
        f.write("1::10::5::300\n1::11::3::100\n2::10::4::50\n")
    for name in ("u.data", "ratings.dat.gz"):
        assert names(user_sequences(read_log(tmp_path / name, dcfg()))) == [["11", "10"], ["10"]]


def test_sequences_format(tmp_path):
    (tmp_path / "Beauty.txt").write_text("1 5 6 7\n2 6 8\n")
    data = user_sequences(read_log(tmp_path / "Beauty.txt", dcfg()))
    assert data.users == ["1", "2"] and names(data) == [["5", "6", "7"], ["6", "8"]]


def test_min_counts_drop_rare_items_then_short_users(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item,timestamp\n" + "".join(f"{u},{i},{t}\n" for t, (u, i) in enumerate(
        [("a", "x"), ("a", "y"), ("a", "rare"), ("b", "x"), ("b", "y"), ("c", "x")])))
    data = user_sequences(read_log(path, dcfg()), min_user=2, min_item=2)
    assert data.users == ["a", "b"] and names(data) == [["x", "y"], ["x", "y"]]


def test_leave_one_out_never_leaks_the_test_item():
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 20, size=rng.integers(1, 9))) for _ in range(50)]
    data = SimpleNamespace(users=list(range(50)), seqs=seqs)
    split = leave_one_out(data)
    (vh, vt), (th, tt) = split.valid, split.test
    row = 0
    for user, seq in enumerate(seqs):
        if len(seq) < 3:  # too short to evaluate: training only
            assert split.train[user] == seq and user not in split.users
            continue
        assert split.users[row] == user
        assert split.train[user] + [vt[row]] + [tt[row]] == seq  # train, valid, test: disjoint positions
        assert vh[row] == split.train[user] and th[row] == seq[:-1] and len(split.train[user]) == len(seq) - 2
        row += 1
    assert row == len(tt) > 0


def test_sessions_cut_at_inactivity_gaps():
    assert sessions([1, 2, 3, 4, 5], [0, 10, 500, 510, 2000], gap=100) == [[1, 2], [3, 4]]
    assert sessions([1, 2, 3], [0, 10, 500], gap=None) == [[1, 2, 3]]


@pytest.mark.parametrize("text, message", [
    ("user,product,timestamp\na,x,1\n", "column 'item' not found"),
    ("", "no interactions|cannot read|empty"),
    ("user,item,timestamp\na,x,yesterday-ish\n", "neither numbers nor dates"),
])
def test_bad_tables_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "log.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_log(path, dcfg())


def test_unknown_format_and_missing_file(tmp_path):
    (tmp_path / "log.csv").write_text("user,item\na,b\n")
    with pytest.raises(ConfigError, match="interaction format"):
        read_log(tmp_path / "log.csv", dcfg(format="xml"))
    with pytest.raises(DataError, match="not found|no such"):
        read_log(tmp_path / "nope.csv", dcfg())


def test_every_user_with_one_interaction_cannot_be_split(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("user,item,timestamp\na,x,1\nb,y,2\n")
    with pytest.raises(DataError, match="3 or more interactions"):
        leave_one_out(user_sequences(read_log(path, dcfg())))


def test_the_three_formats_of_the_synthetic_log_give_the_same_sequences(assets):
    """tests/assets/recommender: log.csv (rows latest first, users interleaved), u.data, sequences.txt."""
    folder = assets / "recommender"
    csv = user_sequences(read_log(folder / "log.csv", dcfg()))
    movielens = user_sequences(read_log(folder / "u.data", dcfg()))
    seqs = user_sequences(read_log(folder / "sequences.txt", dcfg()))
    as_csv = dict(zip(csv.users, names(csv)))
    assert dict(zip(seqs.users, names(seqs))) == as_csv
    assert {"u" + u: ["i" + i for i in s] for u, s in zip(movielens.users, names(movielens))} == as_csv


def test_session_parallel_lanes_read_each_sequence_in_order_then_the_next():
    seqs = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [10, 11, 12]]
    steps = list(session_parallel(seqs, 2, seed=0))
    lanes = [[], []]  # each lane's (item, next) pairs, cut where the lane starts a sequence
    for items, targets, starts in steps:
        for lane in range(2):
            if starts[lane]:
                lanes[lane].append([])
            lanes[lane][-1].append((int(items[lane]), int(targets[lane])))
    read = [run for lane in lanes for run in lane]
    by_first = {s[0]: list(zip(s, s[1:])) for s in seqs}
    assert all(run == by_first[run[0][0]][: len(run)] for run in read)  # a sequence, from its start, in order
    firsts = [run[0][0] for run in read]
    assert len(firsts) == len(set(firsts))  # no sequence read twice in an epoch
    # the epoch ends when a lane finds no sequence left (GRU4Rec): at most one per lane is unfinished
    assert sum(run == by_first[run[0][0]] for run in read) >= len(seqs) - 2
    assert [s[0].tolist() for s in steps] == [s[0].tolist() for s in session_parallel(seqs, 2, seed=0)]
    assert len(list(session_parallel(seqs, 10, seed=0))[0][0]) == 4  # never more lanes than sequences


def test_refit_trains_on_the_validation_item_but_never_the_test_item():
    seqs = [[1, 2], [3, 4, 5], [6, 7, 8, 9]]
    split = leave_one_out(SimpleNamespace(users=[0, 1, 2], seqs=seqs), refit=True)
    assert split.train == [[1, 2], [3, 4], [6, 7, 8]]  # seq[:-1]: the validation item is a target
    plain = leave_one_out(SimpleNamespace(users=[0, 1, 2], seqs=seqs))
    assert (split.valid[0], list(split.valid[1])) == (plain.valid[0], list(plain.valid[1]))
    assert (split.test[0], list(split.test[1])) == (plain.test[0], list(plain.test[1])) == ([[3, 4], [6, 7, 8]], [5, 9])
