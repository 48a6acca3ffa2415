package io.pooler.protocol;

/** The SQLSTATE codes the pooler itself answers with, named as in PostgreSQL's errcodes.txt. */
public final class SqlState {
    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String CONNECTION_FAILURE = "08006";
    public static final String CONNECTION_EXCEPTION = "08000";
    public static final String INVALID_PASSWORD = "28P01";
    public static final String INVALID_AUTHORIZATION = "28000";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    public static final String INVALID_CATALOG_NAME = "3D000";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String INVALID_PARAMETER_VALUE = "22023";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String CRASH_SHUTDOWN = "57P02";
    /** "the database system is starting up" / "is shutting down" / "is in recovery mode". */
    public static final String CANNOT_CONNECT_NOW = "57P03";
    public static final String QUERY_CANCELED = "57014";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    public static final String CONFIG_FILE_ERROR = "F0000";
    public static final String INTERNAL_ERROR = "XX000";
    public static final String SYNTAX_ERROR = "42601";
    public static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";
    /** "unnamed prepared statement does not exist", as PostgreSQL answers a Bind of one never parsed. */
    public static final String INVALID_SQL_STATEMENT_NAME = "26000";

    private SqlState() {
    }
}
