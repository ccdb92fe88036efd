/**
 * Not API: helpers berth's own modules share (the call-site rule, setting checks). Exported only because
 * berth-jdbc, berth-redis and berth-web use them; anything here may change or go without notice.
 */
package dev.berth.internal;
