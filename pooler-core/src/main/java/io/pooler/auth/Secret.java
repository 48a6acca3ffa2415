package io.pooler.auth;

/**
 * What a userlist line or an auth query stores for a user, in one of the three forms PostgreSQL and
 * PgBouncer know. {@link Secrets#parse(String)} tells them apart.
 */
public sealed interface Secret permits PlainSecret, Md5Secret, ScramSecret {
}
