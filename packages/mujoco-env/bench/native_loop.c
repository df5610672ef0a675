// Native MuJoCo reference for `nx run mujoco-env:bench`: the same loop as the WASM benchmark (set ctrl, frame_skip
// mj_steps, read qpos/qvel into an observation). Built only where Debian's libmujoco-dev is installed.
#include <mujoco/mujoco.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char err[1000];
  mjModel *m = mj_loadXML(argv[1], NULL, err, sizeof err);
  if (!m) { fprintf(stderr, "%s\n", err); return 1; }
  int frame_skip = atoi(argv[2]);
  long steps = atol(argv[3]);
  mjData *d = mj_makeData(m);
  double obs[64];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long t = 0; t < steps; t++) {
    for (int i = 0; i < m->nu; i++) d->ctrl[i] = 0.5 * sin(0.01 * t + i);
    for (int k = 0; k < frame_skip; k++) mj_step(m, d);
    int o = 0;
    for (int i = 1; i < m->nq; i++) obs[o++] = d->qpos[i];
    for (int i = 0; i < m->nv; i++) obs[o++] = d->qvel[i];
    if (t % 1000 == 999) mj_resetData(m, d);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  printf("{\"steps_per_s\": %f, \"version\": \"%s\", \"check\": %f}\n", steps / s, mj_versionString(), obs[0]);
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
