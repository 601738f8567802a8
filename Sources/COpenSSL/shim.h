// Every libcrypto function KassaApp calls (EVP_Digest, EVP_sha256, HMAC, RAND_bytes,
// CRYPTO_memcmp) is a plain, non-variadic function, so no wrappers are needed here.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
