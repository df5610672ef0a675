"""TD3+BC in PyTorch with CORL's math and defaults (algorithms/offline/td3_bc.py), for side-by-side checks of
@orl/td3bc on the same HDF5 file: trains without evaluation and prints the critic's mean Q(s, a) on each batch every
--log-every steps as JSON lines. Run with Debian's PyTorch (see packages/nn/bench/pytorch_ref.py):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 pytorch_td3bc.py data.hdf5 --steps 60000
"""
import argparse
import copy
import json
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("path")
p.add_argument("--steps", type=int, default=60000)
p.add_argument("--log-every", type=int, default=1000)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--threads", type=int, default=1)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
rng = np.random.default_rng(args.seed)

with h5py.File(args.path, "r") as f:
    obs = f["observations"][:].astype(np.float32)
    act = f["actions"][:].astype(np.float32)
    rew = f["rewards"][:].astype(np.float32)
    term = f["terminals"][:].astype(np.float32)
    nobs = f["next_observations"][:].astype(np.float32)
# CORL: states normalised with the dataset's mean and std + 1e-3; rewards as they are (normalize_reward=False).
mean, std = obs.mean(0), obs.std(0) + 1e-3
S, S2 = torch.from_numpy((obs - mean) / std), torch.from_numpy((nobs - mean) / std)
A, R, D = torch.from_numpy(act), torch.from_numpy(rew)[:, None], torch.from_numpy(term)[:, None]
n, obs_dim, act_dim = S.shape[0], S.shape[1], A.shape[1]


def mlp(i, o, out=None):
    layers = [nn.Linear(i, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, o)]
    return nn.Sequential(*(layers + ([out] if out else [])))


actor, q1, q2 = mlp(obs_dim, act_dim, nn.Tanh()), mlp(obs_dim + act_dim, 1), mlp(obs_dim + act_dim, 1)
actor_t, q1_t, q2_t = copy.deepcopy(actor), copy.deepcopy(q1), copy.deepcopy(q2)
opt_a = torch.optim.Adam(actor.parameters(), lr=3e-4)
opt_q = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), lr=3e-4)
gamma, tau, noise, noise_clip, alpha, policy_freq = 0.99, 5e-3, 0.2, 0.5, 2.5, 2

t0 = time.time()
for it in range(1, args.steps + 1):
    idx = torch.from_numpy(rng.integers(0, n, 256))
    s, a, r, s2, d = S[idx], A[idx], R[idx], S2[idx], D[idx]
    with torch.no_grad():
        a2 = (actor_t(s2) + (torch.randn_like(a) * noise).clamp(-noise_clip, noise_clip)).clamp(-1, 1)
        sa2 = torch.cat([s2, a2], 1)
        y = r + (1 - d) * gamma * torch.min(q1_t(sa2), q2_t(sa2))
    sa = torch.cat([s, a], 1)
    c1, c2 = q1(sa), q2(sa)
    critic_loss = F.mse_loss(c1, y) + F.mse_loss(c2, y)
    opt_q.zero_grad()
    critic_loss.backward()
    opt_q.step()
    if it % policy_freq == 0:
        pi = actor(s)
        q = q1(torch.cat([s, pi], 1))
        lmbda = alpha / q.abs().mean().detach()
        actor_loss = -lmbda * q.mean() + F.mse_loss(pi, a)
        opt_a.zero_grad()
        actor_loss.backward()
        opt_a.step()
        with torch.no_grad():
            for net, tgt in ((q1, q1_t), (q2, q2_t), (actor, actor_t)):
                for w, wt in zip(net.parameters(), tgt.parameters()):
                    wt.mul_(1 - tau).add_(tau * w)
    if it % args.log_every == 0:
        print(json.dumps({"step": it, "q/mean": c1.mean().item(), "loss/critic": critic_loss.item(), "seconds": round(time.time() - t0, 1)}), flush=True)
