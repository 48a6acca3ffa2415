package io.pooler.pool;

import io.pooler.config.PoolMode;

import java.time.Duration;

/**
 * The limits and timeouts one pool works with, resolved from the config (user entry, then database
 * entry, then the global default). Immutable; a reload swaps in a new one.
 */
public record PoolSettings(
        PoolMode poolMode,
        int poolSize,
        int minPoolSize,
        int reservePoolSize,
        Duration reservePoolTimeout,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        Duration serverLoginRetry,
        Duration queryWaitTimeout) {
}
