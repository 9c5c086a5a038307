"""Writes corpus_tiny.txt beside this script (run: python make_corpus_tiny.py).

400 seeded template sentences over a small vocabulary that shares words with WordSim-353,
SimLex-999 and the Google family analogies, so that training and evaluation tests have
something to measure. The gendered pairs fill the same slots so word2vec can relate them.
"""

import random
from pathlib import Path

PEOPLE = [("king", "queen"), ("man", "woman"), ("boy", "girl"), ("father", "mother"),
          ("brother", "sister"), ("son", "daughter"), ("husband", "wife"), ("uncle", "aunt")]
ANIMALS = ["cat", "dog", "tiger", "horse"]
THINGS = ["car", "train", "plane", "computer", "keyboard", "money", "bank", "food", "fruit"]
VERBS = ["sees", "likes", "finds", "buys", "wants", "loves"]
TEMPLATES = [
    "the {p} {v} the {t}",
    "a {p} {v} a {a} and the {t}",
    "{pronoun} is a {p} who {v} {poss} {a}",
    "the {a} {v} the {t} near the {p}",
    "every {p} {v} some {t}",
]


def sentence(rng: random.Random) -> str:
    pair = rng.choice(PEOPLE)
    female = rng.random() < 0.5
    return rng.choice(TEMPLATES).format(
        p=pair[female], v=rng.choice(VERBS), t=rng.choice(THINGS), a=rng.choice(ANIMALS),
        pronoun="she" if female else "he", poss="her" if female else "his",
    )


def main(path: Path = Path(__file__).parent / "corpus_tiny.txt", lines: int = 400) -> None:
    rng = random.Random(0)
    path.write_text("\n".join(sentence(rng) for _ in range(lines)) + "\n")


if __name__ == "__main__":
    main()
