// Package datasets ships the real data that seqconv's examples, tests and
// command line use, embedded in the binary so that nothing is downloaded at
// run time. SOURCES.md in this folder says where each file comes from, its
// terms and how Keras derives its datasets from it.
//
// The accessors return readers or copies, so callers cannot change the
// embedded bytes.
package datasets
