"""Write the bundled example series from statsmodels' public-domain datasets (run at development
time only; the csv files are committed): ``python rnnlp/timeseries/samples/make_samples.py``.

nile.csv       year,flow          annual Nile flow at Aswan, 1871-1970 (100 rows)
sunspots.csv   year,sunactivity   yearly mean sunspot number, 1700-2008 (309 rows)
"""

from __future__ import annotations

import csv
from pathlib import Path

from statsmodels import datasets

HERE = Path(__file__).resolve().parent


def write(name: str, header: tuple[str, str], rows) -> None:
    with (HERE / name).open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows((int(year), _number(value)) for year, value in rows)


def _number(value: float):
    return int(value) if float(value).is_integer() else round(float(value), 1)


def main() -> None:
    nile = datasets.nile.load_pandas().data
    write("nile.csv", ("year", "flow"), zip(nile["year"], nile["volume"]))
    spots = datasets.sunspots.load_pandas().data
    write("sunspots.csv", ("year", "sunactivity"), zip(spots["YEAR"], spots["SUNACTIVITY"]))


if __name__ == "__main__":
    main()
