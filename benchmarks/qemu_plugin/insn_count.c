/* QEMU TCG plugin: guest instructions executed inside marked windows, per
 * translation block, with each block's count of FMAs, loads and stores.
 *
 *   qemu-aarch64 -plugin insn_count.so,out=/tmp/counts ... program
 *
 * The guest opens and closes a window with a system call that cannot
 * succeed: lseek(-1, TSP_MARK | id, op), op 0 = start, 1 = stop (from
 * Python: os.lseek(-1, 0x7473700000 | id, op), which fails with EBADF). At
 * stop, the plugin writes OUT.ID: a line "total N", then one line per block
 * that ran in the window: "vaddr n_insns execs fma load store" (hex vaddr).
 * The host maps addresses to libraries and symbols (benchmarks/arm_instructions.py).
 *
 * Counting: one inline 64-bit add per block execution (a block is a
 * straight run of instructions, so executions x length is exact except when
 * a block exits early on a fault, which our workloads do not do). Inline
 * adds are not atomic: run one guest thread (num_threads=1). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = TSP_QEMU_PLUGIN_API_VERSION;

#define TSP_MARK UINT64_C(0x7473700000)
#define TSP_MARK_MASK UINT64_C(0xffffff00000)
#define AARCH64_SYS_LSEEK 62

typedef struct {
  uint64_t execs; /* updated by the inline add: keep first */
  uint64_t base;  /* execs when the window opened */
  uint64_t vaddr;
  uint32_t n_insns, fma, load, store;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static block** blocks;
static size_t n_blocks, cap_blocks;
static char out_prefix[4096] = "insn_count";
static int failed; /* an allocation failed: counts would be wrong, say so */

/* Mnemonic class of one disassembled instruction ("fmla v0.4s, ..."). */
static void classify(const char* text, block* b) {
  while (*text == ' ' || *text == '\t') ++text;
  if (!strncmp(text, "fmla", 4) || !strncmp(text, "fmls", 4) || !strncmp(text, "fmadd", 5) ||
      !strncmp(text, "fmsub", 5) || !strncmp(text, "fnmadd", 6) || !strncmp(text, "fnmsub", 6)) {
    b->fma++;
  } else if (text[0] == 'l' && text[1] == 'd') {
    b->load++;
  } else if (text[0] == 's' && text[1] == 't') {
    b->store++;
  }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb* tb) {
  block* b = calloc(1, sizeof(*b));
  if (!b) {
    failed = 1;
    return;
  }
  b->vaddr = qemu_plugin_tb_vaddr(tb);
  b->n_insns = (uint32_t)qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < b->n_insns; ++i) {
    char* text = qemu_plugin_insn_disas(qemu_plugin_tb_get_insn(tb, i));
    if (text) classify(text, b);
    free(text);
  }
  pthread_mutex_lock(&lock);
  if (n_blocks == cap_blocks) {
    size_t cap = cap_blocks ? 2 * cap_blocks : 65536;
    block** grown = realloc(blocks, cap * sizeof(*grown));
    if (!grown) {
      failed = 1;
      pthread_mutex_unlock(&lock);
      free(b);
      return;
    }
    blocks = grown;
    cap_blocks = cap;
  }
  blocks[n_blocks++] = b;
  pthread_mutex_unlock(&lock);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->execs, 1);
}

static void window_start(void) {
  for (size_t i = 0; i < n_blocks; ++i) blocks[i]->base = blocks[i]->execs;
}

static void window_stop(unsigned id) {
  char path[4200];
  snprintf(path, sizeof(path), "%s.%u", out_prefix, id);
  FILE* f = fopen(path, "w");
  if (!f) {
    qemu_plugin_outs("insn_count: cannot write the window file\n");
    return;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < n_blocks; ++i) total += (blocks[i]->execs - blocks[i]->base) * blocks[i]->n_insns;
  fprintf(f, "total %" PRIu64 "%s\n", total, failed ? " incomplete" : "");
  for (size_t i = 0; i < n_blocks; ++i) {
    const block* b = blocks[i];
    const uint64_t execs = b->execs - b->base;
    if (execs)
      fprintf(f, "%" PRIx64 " %u %" PRIu64 " %u %u %u\n", b->vaddr, b->n_insns, execs, b->fma, b->load,
              b->store);
  }
  fclose(f);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1, uint64_t a2,
                       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
  if (num != AARCH64_SYS_LSEEK || a1 != UINT64_MAX || (a2 & TSP_MARK_MASK) != TSP_MARK) return;
  pthread_mutex_lock(&lock);
  if (a3 == 0) {
    window_start();
  } else {
    window_stop((unsigned)(a2 & 0xfffff));
  }
  pthread_mutex_unlock(&lock);
}

static void at_exit(qemu_plugin_id_t id, void* userdata) {
  for (size_t i = 0; i < n_blocks; ++i) free(blocks[i]);
  free(blocks);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc,
                                           char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (!strncmp(argv[i], "out=", 4) && strlen(argv[i] + 4) < sizeof(out_prefix)) {
      strcpy(out_prefix, argv[i] + 4);
    } else {
      qemu_plugin_outs("insn_count: unknown argument (expected out=PATH_PREFIX)\n");
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
  qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
  qemu_plugin_register_atexit_cb(id, at_exit, NULL);
  return 0;
}
