// shape_headers.cpp - the headers generated for one shape IDL compile
// together as C++17 with -pedantic, the author's header included
// (SHAPE_HOST, SHAPE_CBOR and SHAPE_FFI name them).
#include SHAPE_HOST
#include SHAPE_CBOR
#include SHAPE_FFI

int main() { return 0; }
