package io.convexstream.jobs;

import io.convexstream.kafka.TopicAdmin;
import io.convexstream.local.EmbeddedKafkaBroker;
import io.convexstream.local.LocalFlinkCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An in-JVM Kafka broker with every catalogue topic and a Flink MiniCluster, shared by the tests of
 * one class: {@code @RegisterExtension static final LocalStack STACK = new LocalStack(4);}.
 */
public final class LocalStack implements BeforeAllCallback, AfterAllCallback {
  private final int slots;
  private EmbeddedKafkaBroker broker;
  private LocalFlinkCluster flink;

  public LocalStack(int slots) {
    this.slots = slots;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    broker = EmbeddedKafkaBroker.start();
    flink = LocalFlinkCluster.start(0, slots);
    TopicAdmin.createAll(broker.bootstrapServers());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    flink.close();
    broker.close();
  }

  public String bootstrap() {
    return broker.bootstrapServers();
  }

  public LocalFlinkCluster flink() {
    return flink;
  }
}
