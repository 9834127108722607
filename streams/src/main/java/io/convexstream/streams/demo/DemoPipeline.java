package io.convexstream.streams.demo;

import io.convexstream.connectors.kafka.TopicClient;
import io.convexstream.schemas.DeadLetter;
import io.convexstream.schemas.ParameterUpdate;
import io.convexstream.streams.jobs.StreamJob;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** One pipeline of the demo: its job and options, the bundled data it feeds, and its report. */
public interface DemoPipeline {
  StreamJob job();

  Map<String, String> options();

  /** Sends the bundled data to the job's input topic. */
  void feed(TopicClient kafka);

  /** Parameter updates the job must publish for the data fed. */
  int expectedOutputs();

  /** Bad records in the data, which must come back as dead letters. */
  int expectedDeadLetters();

  /** Whether an output belongs to this pipeline's models. */
  boolean owns(ParameterUpdate update);

  /** Prints results and writes plots; returns the plots written. */
  List<Path> report(List<ParameterUpdate> outputs, List<DeadLetter> deadLetters, Path outDir, PrintStream out) throws IOException;
}
