"""The parameterisation StateSpace estimates over.

Every system matrix the user does not fix is free. Free entries of Phi, Gamma, Psi and Xi are
parameters as they are. A free covariance is parameterised by its Cholesky factor L with a
log-diagonal (``full``: Sigma = L L', entries of L below the diagonal unconstrained) or by
log standard deviations (``diagonal``), so every unconstrained vector gives a valid
covariance. ``params`` reported to users are natural values: matrix entries, and for
covariances their lower triangle (``full``) or diagonal (``diagonal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MATRIX_NAMES = ("phi", "gamma", "psi", "xi", "sigma_h", "sigma_obs")
COVARIANCES = ("sigma_h", "sigma_obs")


@dataclass(frozen=True)
class Layout:
    """Which matrices are free and their shapes; maps parameter vectors to matrices."""

    shapes: dict  # name -> shape of each free matrix, in MATRIX_NAMES order
    cov_form: str = "full"

    def _slots(self, name: str) -> int:
        rows, cols = self.shapes[name]
        if name in COVARIANCES:
            return rows if self.cov_form == "diagonal" else rows * (rows + 1) // 2
        return rows * cols

    @property
    def size(self) -> int:
        return sum(self._slots(name) for name in self.shapes)

    def names(self) -> list[str]:
        out = []
        for name, (rows, cols) in self.shapes.items():
            out += [f"{name}[{i},{j}]" for i, j in self._cells(name, rows, cols)]
        return out

    def _cells(self, name, rows, cols):
        if name not in COVARIANCES:
            return [(i, j) for i in range(rows) for j in range(cols)]
        if self.cov_form == "diagonal":
            return [(i, i) for i in range(rows)]
        return list(zip(*np.tril_indices(rows)))

    def split(self, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Consecutive pieces of a parameter vector, one per free matrix."""
        pieces, pos = {}, 0
        for name in self.shapes:
            pieces[name] = vector[pos: pos + self._slots(name)]
            pos += self._slots(name)
        return pieces

    def matrices(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Free matrices from an unconstrained vector."""
        out = {}
        for name, piece in self.split(np.asarray(theta, float)).items():
            rows, cols = self.shapes[name]
            out[name] = _cov_from_theta(piece, rows, self.cov_form) if name in COVARIANCES \
                else piece.reshape(rows, cols)
        return out

    def natural(self, theta: np.ndarray) -> np.ndarray:
        """Natural parameter values (matrix entries) from an unconstrained vector."""
        mats = self.matrices(theta)
        return np.concatenate([[mats[name][i, j] for i, j in self._cells(name, *self.shapes[name])]
                               for name in self.shapes]) if self.shapes else np.empty(0)

    def theta(self, natural: np.ndarray) -> np.ndarray:
        """The unconstrained vector for natural values (covariances must be positive definite)."""
        parts = []
        for name, piece in self.split(np.asarray(natural, float)).items():
            rows, cols = self.shapes[name]
            parts.append(_theta_from_cov(piece, rows, self.cov_form) if name in COVARIANCES else piece)
        return np.concatenate(parts) if parts else np.empty(0)

    def from_matrices(self, mats: dict[str, np.ndarray]) -> np.ndarray:
        """Natural values read off full matrices."""
        return np.concatenate([[mats[name][i, j] for i, j in self._cells(name, *self.shapes[name])]
                               for name in self.shapes]) if self.shapes else np.empty(0)


def _cov_from_theta(piece: np.ndarray, rows: int, form: str) -> np.ndarray:
    if form == "diagonal":
        return np.diag(np.exp(2.0 * piece))
    chol = np.zeros((rows, rows))
    chol[np.tril_indices(rows)] = piece
    chol[np.diag_indices(rows)] = np.exp(np.diag(chol))
    return chol @ chol.T


def _theta_from_cov(piece: np.ndarray, rows: int, form: str) -> np.ndarray:
    if form == "diagonal":
        return 0.5 * np.log(piece)
    cov = np.zeros((rows, rows))
    cov[np.tril_indices(rows)] = piece
    cov = cov + np.tril(cov, -1).T
    chol = np.linalg.cholesky(cov)
    chol[np.diag_indices(rows)] = np.log(np.diag(chol))
    return chol[np.tril_indices(rows)]
