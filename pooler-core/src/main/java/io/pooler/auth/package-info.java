/**
 * Authentication primitives: the secrets a userlist holds, the MD5 and plain-password checks, and
 * both sides of SCRAM-SHA-256 (the pooler as server towards its clients, and as client towards
 * PostgreSQL). Nothing here touches the network; the daemon drives these objects message by message.
 */
package io.pooler.auth;
