"""Write the tiny German-English parallel assets (template sentences, no external data).

Run from this folder: ``python make_tiny.py``. Deterministic (fixed seed).
"""

import json
import random

SUBJECTS = [("ein mann", "a man"), ("eine frau", "a woman"), ("ein kind", "a child"),
            ("ein junge", "a boy"), ("ein mädchen", "a girl"), ("ein hund", "a dog")]
VERBS = [("fährt", "rides"), ("sieht", "sees"), ("hält", "holds"), ("trägt", "carries")]
OBJECTS = [("ein fahrrad", "a bike"), ("einen ball", "a ball"), ("ein buch", "a book"),
           ("eine tasche", "a bag"), ("einen hut", "a hat")]
PLACES = [("", ""), (" im park", " in the park"), (" auf der straße", " on the street"),
          (" am strand", " on the beach")]


def pairs():
    out = []
    for s_de, s_en in SUBJECTS:
        for v_de, v_en in VERBS:
            for o_de, o_en in OBJECTS:
                for p_de, p_en in PLACES:
                    out.append((f"{s_de} {v_de} {o_de}{p_de} .", f"{s_en} {v_en} {o_en}{p_en} ."))
    random.Random(0).shuffle(out)
    return out


def main():
    data = pairs()
    train, valid = data[:160], data[160:180]
    for name, rows in (("train", train), ("val", valid)):
        for side, lang in ((0, "de"), (1, "en")):
            with open(f"{name}.{lang}", "w", encoding="utf-8") as f:
                f.writelines(row[side] + "\n" for row in rows)
    with open("pairs.tsv", "w", encoding="utf-8") as f:
        f.write("de\ten\n")
        f.writelines(f"{de}\t{en}\n" for de, en in valid)
    with open("pairs.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"de": de, "en": en}, ensure_ascii=False) + "\n" for de, en in valid)


if __name__ == "__main__":
    main()
