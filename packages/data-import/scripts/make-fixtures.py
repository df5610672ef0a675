"""Writes the test fixtures of @orl/data-import with NumPy and pandas (independent writers), plus expected.json.

Run from packages/data-import: /usr/bin/python3 scripts/make-fixtures.py   (Debian: python3-numpy python3-pandas)
"""
import json
import numpy as np
import pandas as pd

rng = np.random.default_rng(7)
n, obs_dim, act_dim = 40, 11, 3  # 11 observation columns: obs_10 must come after obs_9 (natural order)
obs = rng.normal(size=(n, obs_dim)).astype(np.float32)
act = rng.uniform(-1, 1, size=(n, act_dim)).astype(np.float32)
rew = rng.normal(size=n).astype(np.float32)
labelled = np.zeros(n, dtype=bool)
labelled[::4] = True  # every fourth reward known, the rest missing (NaN / empty cell)
rew_masked = np.where(labelled, rew, np.nan).astype(np.float32)
episode = np.array(["run-a"] * 15 + ["run-b"] * 13 + ["run-c"] * 12)
terminals = np.zeros(n, dtype=bool)
terminals[14] = True  # run-a ends in a terminal state; run-b is cut by a time limit (episode id change)

df = pd.DataFrame({f"obs_{j}": obs[:, j] for j in range(obs_dim)})
for j in range(act_dim):
    df[f"act_{j}"] = act[:, j]
df["reward"] = rew_masked
df["done"] = terminals
df["episode"] = episode
df.to_csv("test/fixtures/logged.csv", index=False)  # pandas writes NaN as an empty cell and booleans as True/False
df.to_csv("test/fixtures/logged.tsv", index=False, sep="\t")

np.savez_compressed("test/fixtures/logged.npz", observations=obs, actions=act.astype(np.float64), rewards=rew_masked,
                    terminals=terminals, episode_ids=np.repeat([0, 1, 2], [15, 13, 12]).astype(np.int64))
# Uncompressed, with a Fortran-ordered observation array (column-major on disk).
np.savez("test/fixtures/logged-fortran.npz", observations=np.asfortranarray(obs), actions=act, rewards=rew_masked,
         terminals=terminals.astype(np.uint8))

expected = {
    "observations": obs.astype(float).tolist(),
    "actions": act.astype(float).tolist(),
    "rewards": [None if np.isnan(r) else float(r) for r in rew_masked],
    "terminals": terminals.astype(int).tolist(),
    "episode": episode.tolist(),
}
with open("test/fixtures/expected.json", "w") as f:
    json.dump(expected, f)
print("wrote test/fixtures: logged.csv, logged.tsv, logged.npz, logged-fortran.npz, expected.json")
