/*
 * sign.h: signatures over output lines, with libsodium only.
 *
 * Key file: text, '#' comment lines and blank lines ignored, one line
 *   hmac-sha256 HEX64    a 32-byte HMAC-SHA256 key (signs and verifies)
 *   ed25519 HEX64        a 32-byte Ed25519 seed (signs and verifies)
 *   ed25519-pub HEX64    a 32-byte Ed25519 public key (verifies only)
 * Key id: the first 8 bytes of SHA-256 of the HMAC key or of the Ed25519
 * public key, as 16 lower-case hex digits.
 *
 * A signed line is the unsigned line L ("{...}") with its final '}'
 * replaced by
 *   ,"cellossigalg":"hmac-sha256"|"ed25519","cellossigkid":"KID",
 *    "cellossig":"BASE64"}
 * (CloudEvents extension attributes; one line, no spaces), where the
 * signature (standard base64, padded) is over the exact bytes of L.  The
 * newline is not signed.  No primitive here is written by hand.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum sign_alg { SIGN_NONE, SIGN_HMAC, SIGN_ED25519 };

struct sign_key {
	int alg;			/* enum sign_alg */
	int can_sign;			/* 0 for an ed25519-pub key */
	uint8_t hmac[32];
	uint8_t sk[64];
	uint8_t pk[32];
	char kid[17];
};

/* Room a signature suffix may add to a line. */
#define SIGN_SUFFIX_MAX 192

/* Call once before anything else here (sodium_init); -1 on failure. */
int sign_init(void);
/* Parse key-file text; 0, or -1 with a reason in why. */
int sign_parse(struct sign_key *k, const char *text, size_t n,
	       const char **why);
/* Read and parse a key file; 0, or -1 with a reason in why (errno kept
 * for read errors). */
int sign_load(struct sign_key *k, const char *path, const char **why);
/* Sign line[0..n) (ends with '}') in place: line gets the suffix; cap is
 * the room at line.  Returns the new length, or 0 if it would not fit. */
size_t sign_line(const struct sign_key *k, char *line, size_t n, size_t cap);
/* Check one signed line (no newline): 0 good, -1 bad or unsigned or
 * signed with another key. */
int sign_verify(const struct sign_key *k, const char *line, size_t n);
/* The algorithm's name in the key file and in lines. */
const char *sign_algname(int alg);
