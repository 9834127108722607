package io.convexstream.local;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.dispatcher.DispatcherGateway;
import org.apache.flink.runtime.dispatcher.DispatcherRestEndpoint;
import org.apache.flink.runtime.dispatcher.SessionDispatcherFactory;
import org.apache.flink.runtime.dispatcher.runner.DefaultDispatcherRunnerFactory;
import org.apache.flink.runtime.entrypoint.component.DefaultDispatcherResourceManagerComponentFactory;
import org.apache.flink.runtime.entrypoint.component.DispatcherResourceManagerComponentFactory;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.resourcemanager.StandaloneResourceManagerFactory;
import org.apache.flink.runtime.rest.RestEndpointFactory;
import org.apache.flink.runtime.rest.handler.RestHandlerConfiguration;
import org.apache.flink.runtime.rest.handler.RestHandlerSpecification;
import org.apache.flink.runtime.rest.messages.job.JobSubmitHeaders;
import org.apache.flink.shaded.netty4.io.netty.channel.ChannelInboundHandler;

/**
 * A MiniCluster whose REST API has no job submission (POST /jobs answers 404): its jobs are
 * submitted by this process through {@link MiniCluster#submitJob}. Flink has no option for this
 * (web.submit.enable covers only jar upload and run), so the session REST endpoint is built as
 * Flink builds it, less that one handler; the web UI, metrics, cancel and savepoints stay.
 */
final class InProcessJobsMiniCluster extends MiniCluster {
  InProcessJobsMiniCluster(MiniClusterConfiguration configuration) {
    super(configuration);
  }

  @Override
  protected DispatcherResourceManagerComponentFactory createDispatcherResourceManagerComponentFactory() {
    RestEndpointFactory<DispatcherGateway> rest = (configuration, dispatcher, resourceManager, blobs, executor, metrics, leader, errors) -> {
      RestHandlerConfiguration handlers = RestHandlerConfiguration.fromConfiguration(configuration);
      return new DispatcherRestEndpoint(dispatcher, configuration, handlers, resourceManager, blobs, executor, metrics, leader,
          RestEndpointFactory.createExecutionGraphCache(handlers), errors) {
        @Override
        protected List<Tuple2<RestHandlerSpecification, ChannelInboundHandler>> initializeHandlers(CompletableFuture<String> address) {
          List<Tuple2<RestHandlerSpecification, ChannelInboundHandler>> all = new ArrayList<>(super.initializeHandlers(address));
          all.removeIf(h -> h.f0 instanceof JobSubmitHeaders);
          return all;
        }
      };
    };
    return new DefaultDispatcherResourceManagerComponentFactory(DefaultDispatcherRunnerFactory.createSessionRunner(
        SessionDispatcherFactory.INSTANCE), StandaloneResourceManagerFactory.getInstance(), rest);
  }
}
