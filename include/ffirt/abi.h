/*
 * ffirt/abi.h - the types every generated library shares with its hosts.
 *
 * These are the contract of docs/abi.md section 1 and 4.2. They are
 * guarded (FFIRT_ABI_TYPES_DEFINED) so that the headers of several generated
 * libraries, and the runtime headers, can be included in one translation unit:
 * every generated host header repeats this block verbatim with the same guard.
 */
#ifndef FFIRT_ABI_H
#define FFIRT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifndef FFIRT_ABI_TYPES_DEFINED
#define FFIRT_ABI_TYPES_DEFINED
/*
 * Result callback of every request and every event listener.
 * msg is valid only during the call and is never NUL-terminated by contract
 * (use len); it is never NULL when the runtime calls the callback.
 */
typedef void (*FFICallBack)(int callerRet, const char *msg, size_t len, void *userData);
#define RET_OK 0               /* terminal: success, msg/len carry the result   */
#define RET_ERR 1              /* terminal: failure, msg/len carry UTF-8 text    */
#define RET_MISSING_CALLBACK 2 /* returned by an export whose callback was NULL  */
#define RET_STALE_WARN 3       /* NOT terminal: handler still running            */

/* What a native wildcard listener receives (docs/abi.md 4.2). */
typedef struct {
  const char *eventType; /* wire name, NUL-terminated */
  const void *payload;   /* the event's native payload (const T *) */
  size_t payloadSize;    /* sizeof(T) */
} FFIEventView;
#endif /* FFIRT_ABI_TYPES_DEFINED */

#endif /* FFIRT_ABI_H */
