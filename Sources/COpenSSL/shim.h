// Every libcrypto function the package calls is a plain, non-variadic function, so no wrappers
// are needed here: digests, HMAC, random bytes and constant-time compare (KassaApp), and PEM key
// loading and RSA signing for DKIM (Channels).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
