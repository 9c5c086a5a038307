"""Write the tiny synthetic interaction log (``log.csv``; the same as ``u.data`` and ``sequences.txt``) for the recommender's tiny recipe and tests.

Run from this folder: ``python make_log.py``. Deterministic (fixed seed). 80 users walk
through one of 4 "chains" of 10 items in order (with a random start and an occasional random
item), so the next item is learnable; each user's rows are written latest first and users
interleaved (the reader sorts by time); some times repeat (ties keep file order). Item ids are strings (``i07``), user ids too.
"""

import random

CHAINS, CHAIN_LENGTH, USERS = 4, 10, 80


def interactions(rng: random.Random) -> list[tuple[str, str, int]]:
    rows = []
    for user in range(USERS):
        chain, pos, t = rng.randrange(CHAINS), rng.randrange(CHAIN_LENGTH), 1_000_000 + 1000 * user
        for _ in range(rng.randint(6, 14)):
            item = chain * CHAIN_LENGTH + pos if rng.random() > 0.1 else rng.randrange(CHAINS * CHAIN_LENGTH)
            rows.append((f"u{user:02d}", f"i{item:02d}", t))
            pos, t = (pos + 1) % CHAIN_LENGTH, t + rng.choice([0, 60, 3600])
    return rows


def main():
    rng = random.Random(0)
    rows = interactions(rng)
    # each user's rows latest first (the reader must sort them), tied times in walk order
    # (the file order is what defines the order of ties)
    order = sorted(range(len(rows)), key=lambda i: (rows[i][0], -rows[i][2], i))
    order = _interleave(order, rows, rng)
    with open("log.csv", "w", encoding="utf-8") as f:
        f.write("user,item,timestamp\n")
        f.writelines(f"{rows[i][0]},{rows[i][1]},{rows[i][2]}\n" for i in order)
    # the same log as MovieLens u.data (user item rating time, tab) and as sequences (one user
    # a line, items in time order: the rows were generated in time order per user)
    with open("u.data", "w", encoding="utf-8") as f:
        f.writelines(f"{rows[i][0][1:]}\t{rows[i][1][1:]}\t5\t{rows[i][2]}\n" for i in order)
    users: dict[str, list[str]] = {}
    for user, item, _ in rows:
        users.setdefault(user, []).append(item)
    with open("sequences.txt", "w", encoding="utf-8") as f:
        f.writelines(f"{user} {' '.join(items)}\n" for user, items in users.items())


def _interleave(order: list[int], rows, rng: random.Random) -> list[int]:
    """Users' rows interleaved (as in a real log) without changing any user's own row order."""
    queues: dict[str, list[int]] = {}
    for i in order:
        queues.setdefault(rows[i][0], []).append(i)
    out = []
    while queues:
        user = rng.choice(sorted(queues))
        out.append(queues[user].pop(0))
        if not queues[user]:
            del queues[user]
    return out


if __name__ == "__main__":
    main()
