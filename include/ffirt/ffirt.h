/*
 * ffirt/ffirt.h - the whole runtime API: include this from library code.
 */
#ifndef FFIRT_FFIRT_H
#define FFIRT_FFIRT_H

#include "ffirt/abi.h"
#include "ffirt/cbor.h"
#include "ffirt/common.h"
#include "ffirt/context.h"
#include "ffirt/describe.h"
#include "ffirt/events.h"

#endif /* FFIRT_FFIRT_H */
