"""Generated protobuf code for the Caffe schema subset in caffe.proto (see regenerate.sh)."""
