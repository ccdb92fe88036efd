package dev.berth.redis;

/**
 * A message received by a {@link Subscription}.
 *
 * @param channel the channel it was published to
 * @param pattern the pattern that matched it, or {@code null} when it came through a channel subscription
 * @param payload the message text
 */
public record Message(String channel, String pattern, String payload) {
}
