package dev.berth.demo;

/**
 * A transfer that committed. Immutable.
 *
 * @param id the transfer's number
 * @param from the account debited
 * @param to the account credited
 * @param amount cents moved, more than 0
 * @param fromBalance the debited account's balance after the transfer
 * @param toBalance the credited account's balance after the transfer
 */
record Transfer(long id, long from, long to, long amount, long fromBalance, long toBalance) {

    /** What subscribers of {@code /api/events} receive: {@code {"id":..,"from":..,"to":..,"amount":..}}. */
    record Event(long id, long from, long to, long amount) {
    }

    Event event() {
        return new Event(id, from, to, amount);
    }
}
