/*
 * test_e2e_abi.c - the ABI fingerprint check of the generated host headers
 * (MY_TIMER_CHECK_ABI) against the real libmy_timer.so, built twice:
 *  - test_e2e_abi with the library's own headers: the check passes, the
 *    exported my_timer_abi_fingerprint() equals the header's constant and
 *    the same constant is in <my_timer_cbor.h>;
 *  - test_e2e_abi_skew (E2E_ABI_SKEW) with headers generated from
 *    abi_skew.ffi (one field more): the check returns -1 and prints a
 *    message naming the library and both fingerprints.
 */
#include <my_timer/my_timer.h>
#ifndef E2E_ABI_SKEW
#include <my_timer/my_timer_cbor.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "test_e2e_abi: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);       \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

int main(void) {
  /* Capture what the check prints on stderr. */
  char path[] = "/tmp/ffirt_e2e_abi_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  unlink(path);
  int saved = dup(STDERR_FILENO);
  fflush(stderr);
  dup2(fd, STDERR_FILENO);
  int rc = MY_TIMER_CHECK_ABI();
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  char text[512] = {0};
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  CHECK(n >= 0);
  char lib_hex[32];
  snprintf(lib_hex, sizeof lib_hex, "%016llx", (unsigned long long)my_timer_abi_fingerprint());
  char hdr_hex[32];
  snprintf(hdr_hex, sizeof hdr_hex, "%016llx", (unsigned long long)MY_TIMER_ABI_FINGERPRINT);
#ifdef E2E_ABI_SKEW
  CHECK(rc == -1);
  CHECK(my_timer_abi_fingerprint() != MY_TIMER_ABI_FINGERPRINT);
  CHECK(strstr(text, "my_timer: ABI mismatch") != NULL);
  CHECK(strstr(text, lib_hex) != NULL);
  CHECK(strstr(text, hdr_hex) != NULL);
  printf("mismatch detected: %s", text);
#else
  CHECK(rc == 0);
  CHECK(n == 0); /* silent when they match */
  CHECK(my_timer_abi_fingerprint() == MY_TIMER_ABI_FINGERPRINT);
  CHECK(strcmp(lib_hex, hdr_hex) == 0);
  printf("fingerprint %s matches\n", lib_hex);
#endif
  return 0;
}
