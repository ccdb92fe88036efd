package dev.berth.demo;

/**
 * An account as the API shows it and the cache stores it. Immutable.
 *
 * @param id the account's number
 * @param owner who owns it
 * @param balance its balance in cents, never negative
 */
record Account(long id, String owner, long balance) {
}
