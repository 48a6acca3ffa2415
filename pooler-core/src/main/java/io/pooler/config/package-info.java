/**
 * Loads a PgBouncer {@code pgbouncer.ini} into an immutable {@link io.pooler.config.PoolerConfig} snapshot.
 *
 * <p>Entry point: {@link io.pooler.config.ConfigLoader#load(java.nio.file.Path)}. The file format, key names,
 * defaults and SHOW CONFIG rendering follow PgBouncer 1.25 ({@code doc/config.md} and the {@code bouncer_params}
 * table in {@code src/main.c}); where Pooler deliberately differs, the class that does so says why.
 */
package io.pooler.config;
