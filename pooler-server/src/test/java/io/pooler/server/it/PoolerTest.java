package io.pooler.server.it;

import io.pooler.testing.PostgresExtension;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An end-to-end test class: the shared test PostgreSQL (injectable as {@code PostgresInstance}) with
 * the roles of {@link TestRoles}, and one {@link PoolerFixture} per test (see {@link PoolerExtension}).
 *
 * <pre>{@code
 * @PoolerTest
 * class SomethingTest {
 *     private final PoolerFixture pooler;
 *
 *     SomethingTest(PoolerFixture pooler) throws Exception {
 *         this.pooler = pooler.user(SCRAM_USER, SCRAM_PASSWORD).set("pool_mode", "transaction").start();
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PostgresExtension.class)
@ExtendWith(PoolerExtension.class)
public @interface PoolerTest {
}
