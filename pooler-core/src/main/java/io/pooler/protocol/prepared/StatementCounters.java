package io.pooler.protocol.prepared;

/**
 * PgBouncer's prepared-statement statistics, as {@link StatementRewriter} sees them happen (its
 * src/prepare.c counts at the same places): a named Parse from a client, a Parse the pooler sends to a
 * server (the client's own or one it injects before a Bind or Describe), and a Bind of a named statement.
 * Implementations are called on the client's loop and must be thread-safe and cheap.
 */
public interface StatementCounters {
    StatementCounters NONE = new StatementCounters() {
        @Override
        public void clientParse() {
        }

        @Override
        public void serverParse() {
        }

        @Override
        public void bind() {
        }
    };

    /** A client prepared a named statement (PgBouncer's ps_client_parse_count). */
    void clientParse();

    /** The pooler prepared a statement on a server (ps_server_parse_count). */
    void serverParse();

    /** A client bound a named statement (ps_bind_count). */
    void bind();
}
