#pragma once
// GstLibrary: the GStreamer and GLib functions camera capture calls, loaded with dlopen when the
// first camera (or `kedge video put`) starts. kedge links no GStreamer library: GStreamer, GLib
// and what they pull in (libdw, libunwind, ORC...) are some fifteen libraries whose mapped pages
// cost every kedge process about 2 MB of resident memory, and a .deb that depends on them
// installs GStreamer on devices that only ship logs. The libraries come from
// gstreamer1.0-plugins-base (a Recommends of the package).
//
// The headers are compiled with G_DISABLE_CAST_CHECKS, so GST_BIN(x) and friends are plain
// casts, and the headers' inline helpers (gst_sample_unref, gst_value_get_buffer...) are not
// used: everything goes through these pointers. Sonames are those of GStreamer 1.x.
// Thread-safe once loaded; the libraries stay loaded for the life of the process.

#ifndef G_DISABLE_CAST_CHECKS
#define G_DISABLE_CAST_CHECKS
#endif
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "platform/status.h"

namespace kedge::video {

struct GstLibrary {
  // GLib and GObject
  decltype(&::g_error_free) error_free;
  decltype(&::g_free) free;
  decltype(&::g_object_set) object_set;
  decltype(&::g_signal_connect_data) signal_connect_data;
  decltype(&::g_value_get_boxed) value_get_boxed;
  // GStreamer core
  decltype(&::gst_init_check) init_check;
  decltype(&::gst_object_unref) object_unref;
  decltype(&::gst_mini_object_unref) mini_object_unref;
  decltype(&::gst_parse_launch) parse_launch;
  decltype(&::gst_pipeline_new) pipeline_new;
  decltype(&::gst_bin_add) bin_add;
  decltype(&::gst_bin_get_by_name) bin_get_by_name;
  decltype(&::gst_element_factory_find) element_factory_find;
  decltype(&::gst_element_factory_make) element_factory_make;
  decltype(&::gst_element_link) element_link;
  decltype(&::gst_element_set_state) element_set_state;
  decltype(&::gst_element_sync_state_with_parent) element_sync_state_with_parent;
  decltype(&::gst_element_get_bus) element_get_bus;
  decltype(&::gst_element_get_clock) element_get_clock;
  decltype(&::gst_element_get_base_time) element_get_base_time;
  decltype(&::gst_element_get_static_pad) element_get_static_pad;
  decltype(&::gst_pad_get_current_caps) pad_get_current_caps;
  decltype(&::gst_pad_query_caps) pad_query_caps;
  decltype(&::gst_pad_link) pad_link;
  decltype(&::gst_bus_pop_filtered) bus_pop_filtered;
  decltype(&::gst_bus_timed_pop_filtered) bus_timed_pop_filtered;
  decltype(&::gst_message_parse_error) message_parse_error;
  decltype(&::gst_message_parse_warning) message_parse_warning;
  decltype(&::gst_clock_get_time) clock_get_time;
  decltype(&::gst_sample_get_buffer) sample_get_buffer;
  decltype(&::gst_sample_get_caps) sample_get_caps;
  decltype(&::gst_sample_get_segment) sample_get_segment;
  decltype(&::gst_segment_to_running_time) segment_to_running_time;
  decltype(&::gst_buffer_get_type) buffer_get_type;
  decltype(&::gst_buffer_get_size) buffer_get_size;
  decltype(&::gst_buffer_map) buffer_map;
  decltype(&::gst_buffer_unmap) buffer_unmap;
  decltype(&::gst_caps_from_string) caps_from_string;
  decltype(&::gst_caps_get_size) caps_get_size;
  decltype(&::gst_caps_get_structure) caps_get_structure;
  decltype(&::gst_caps_is_empty) caps_is_empty;
  decltype(&::gst_caps_can_intersect) caps_can_intersect;
  decltype(&::gst_structure_get_name) structure_get_name;
  decltype(&::gst_structure_get_int) structure_get_int;
  decltype(&::gst_structure_get_fraction) structure_get_fraction;
  decltype(&::gst_structure_get_value) structure_get_value;
  decltype(&::gst_resource_error_quark) resource_error_quark;
  // GStreamer app library
  decltype(&::gst_app_sink_try_pull_sample) app_sink_try_pull_sample;

  // gst_*_unref for samples, messages and caps (inline in GStreamer's headers).
  template <typename T>
  void Unref(T* mini_object) const {
    mini_object_unref(GST_MINI_OBJECT_CAST(mini_object));
  }
};

// Loads the libraries and initialises GStreamer, once per process. FailedPrecondition naming
// the missing library and its package, or GStreamer's own start-up error.
StatusOr<const GstLibrary*> LoadGstLibrary();

// The loaded library; only after LoadGstLibrary() succeeded.
const GstLibrary& Gst();

}  // namespace kedge::video
