"""PyTorch reference for `nx run nn:bench`: the same TD3+BC and IQL updates (CORL math, batch 256, 256-256, obs 17,
act 6) and a 256^3 matmul. Prints one JSON line.

BLAS matters: on Debian, PyTorch with the default reference BLAS is as slow as plain JS. Install libopenblas0-openmp
and run with LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp (the bench sets it); the pthread OpenBLAS
variant oversubscribes and drops to ~32 steps/s on 2 cores.
"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--seconds", type=float, default=5)
p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
args = p.parse_args()
if args.threads > 0: torch.set_num_threads(args.threads)
torch.manual_seed(0)
OBS, ACT, B, H = 17, 6, 256, 256

def mlp(i, o, tanh=False):
    layers = [nn.Linear(i, H), nn.ReLU(), nn.Linear(H, H), nn.ReLU(), nn.Linear(H, o)]
    if tanh: layers.append(nn.Tanh())
    return nn.Sequential(*layers)

def rate(fn, seconds):
    for _ in range(3): fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds: fn(); n += 1
    return n / (time.perf_counter() - t0)

def batch():
    return torch.randn(B, OBS), torch.rand(B, ACT) * 2 - 1, torch.randn(B, 1), torch.randn(B, OBS), torch.zeros(B, 1)

actor, q1, q2 = mlp(OBS, ACT, True), mlp(OBS + ACT, 1), mlp(OBS + ACT, 1)
import copy
actor_t, q1_t, q2_t = copy.deepcopy(actor), copy.deepcopy(q1), copy.deepcopy(q2)
opt_a = torch.optim.Adam(actor.parameters(), 3e-4)
opt_c = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), 3e-4)
it = [0]
def soft(t, s):
    with torch.no_grad():
        for a, b in zip(t.parameters(), s.parameters()): a.mul_(0.995).add_(b, alpha=0.005)
def td3bc():
    it[0] += 1
    s, a, r, s2, d = batch()
    with torch.no_grad():
        noise = (torch.randn_like(a) * 0.2).clamp(-0.5, 0.5)
        na = (actor_t(s2) + noise).clamp(-1, 1)
        sa2 = torch.cat([s2, na], 1)
        y = r + 0.99 * (1 - d) * torch.min(q1_t(sa2), q2_t(sa2))
    sa = torch.cat([s, a], 1)
    loss = F.mse_loss(q1(sa), y) + F.mse_loss(q2(sa), y)
    opt_c.zero_grad(); loss.backward(); opt_c.step()
    if it[0] % 2 == 0:
        pi = actor(s); q = q1(torch.cat([s, pi], 1)); lmbda = 2.5 / q.abs().mean().detach()
        al = -lmbda * q.mean() + F.mse_loss(pi, a)
        opt_a.zero_grad(); al.backward(); opt_a.step()
        soft(q1_t, q1); soft(q2_t, q2); soft(actor_t, actor)

v = mlp(OBS, 1); log_std = nn.Parameter(torch.zeros(ACT))
opt_v = torch.optim.Adam(v.parameters(), 3e-4)
opt_q = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), 3e-4)
opt_pi = torch.optim.Adam(list(actor.parameters()) + [log_std], 3e-4)
def iql():
    s, a, r, s2, d = batch()
    sa = torch.cat([s, a], 1)
    with torch.no_grad(): tq = torch.min(q1_t(sa), q2_t(sa))
    adv = tq - v(s)
    w = torch.abs(0.7 - (adv < 0).float())
    vl = (w * adv ** 2).mean()
    opt_v.zero_grad(); vl.backward(); opt_v.step()
    with torch.no_grad(): y = r + 0.99 * (1 - d) * v(s2)
    ql = F.mse_loss(q1(sa), y) + F.mse_loss(q2(sa), y)
    opt_q.zero_grad(); ql.backward(); opt_q.step()
    ew = torch.exp(3.0 * adv.detach()).clamp(max=100)
    dist = torch.distributions.Normal(actor(s), log_std.exp())
    pl = -(ew.squeeze(-1) * dist.log_prob(a).sum(-1)).mean()
    opt_pi.zero_grad(); pl.backward(); opt_pi.step()
    soft(q1_t, q1); soft(q2_t, q2)

A, Bm = torch.randn(256, 256), torch.randn(256, 256)
g = rate(lambda: A @ Bm, args.seconds / 3) * 2 * 256 ** 3 / 1e9
print(json.dumps({"threads": torch.get_num_threads(), "gemm256_gflops": g, "td3bc_steps_per_s": rate(td3bc, args.seconds), "iql_steps_per_s": rate(iql, args.seconds)}))
