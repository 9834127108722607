/**
 * Engine-free algorithm cores: plain Java on arrays, no Flink or Kafka types (an ArchUnit test
 * enforces it), so each update rule is unit-testable in microseconds and reusable outside Flink.
 */
package io.convexstream.core;
