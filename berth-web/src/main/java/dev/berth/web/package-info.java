/**
 * One request, one session: {@link dev.berth.web.RequestSession} is the request's transaction, reached from
 * anywhere in the handler; {@link dev.berth.web.SessionMiddleware} holds the settings (read-only routes,
 * slow-request log); {@link dev.berth.web.SessionFilter} (Jakarta Servlet) and
 * {@link dev.berth.web.HelidonSessionFilter} (Helidon SE 4) commit it before the response is sent.
 */
package dev.berth.web;
