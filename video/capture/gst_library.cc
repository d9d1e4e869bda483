#include "video/capture/gst_library.h"

#include <mutex>
#include <string>

#include "platform/shared_library.h"

namespace kedge::video {
namespace {

GstLibrary g_library;

void ResolveGlib(SymbolLoader& loader, GstLibrary* g) {
  void* glib = loader.Open("libglib-2.0.so.0", "libglib2.0-0");
  void* gobject = loader.Open("libgobject-2.0.so.0", "libglib2.0-0");
  loader.Resolve(glib, "g_error_free", &g->error_free);
  loader.Resolve(glib, "g_free", &g->free);
  loader.Resolve(gobject, "g_object_set", &g->object_set);
  loader.Resolve(gobject, "g_signal_connect_data", &g->signal_connect_data);
  loader.Resolve(gobject, "g_value_get_boxed", &g->value_get_boxed);
}

void ResolveElements(SymbolLoader& loader, void* gst, GstLibrary* g) {
  loader.Resolve(gst, "gst_init_check", &g->init_check);
  loader.Resolve(gst, "gst_object_unref", &g->object_unref);
  loader.Resolve(gst, "gst_mini_object_unref", &g->mini_object_unref);
  loader.Resolve(gst, "gst_parse_launch", &g->parse_launch);
  loader.Resolve(gst, "gst_pipeline_new", &g->pipeline_new);
  loader.Resolve(gst, "gst_bin_add", &g->bin_add);
  loader.Resolve(gst, "gst_bin_get_by_name", &g->bin_get_by_name);
  loader.Resolve(gst, "gst_element_factory_find", &g->element_factory_find);
  loader.Resolve(gst, "gst_element_factory_make", &g->element_factory_make);
  loader.Resolve(gst, "gst_element_link", &g->element_link);
  loader.Resolve(gst, "gst_element_set_state", &g->element_set_state);
  loader.Resolve(gst, "gst_element_sync_state_with_parent", &g->element_sync_state_with_parent);
  loader.Resolve(gst, "gst_element_get_bus", &g->element_get_bus);
  loader.Resolve(gst, "gst_element_get_clock", &g->element_get_clock);
  loader.Resolve(gst, "gst_element_get_base_time", &g->element_get_base_time);
  loader.Resolve(gst, "gst_element_get_static_pad", &g->element_get_static_pad);
  loader.Resolve(gst, "gst_pad_get_current_caps", &g->pad_get_current_caps);
  loader.Resolve(gst, "gst_pad_query_caps", &g->pad_query_caps);
  loader.Resolve(gst, "gst_pad_link", &g->pad_link);
  loader.Resolve(gst, "gst_bus_pop_filtered", &g->bus_pop_filtered);
  loader.Resolve(gst, "gst_bus_timed_pop_filtered", &g->bus_timed_pop_filtered);
  loader.Resolve(gst, "gst_message_parse_error", &g->message_parse_error);
  loader.Resolve(gst, "gst_message_parse_warning", &g->message_parse_warning);
  loader.Resolve(gst, "gst_clock_get_time", &g->clock_get_time);
  loader.Resolve(gst, "gst_resource_error_quark", &g->resource_error_quark);
}

void ResolveData(SymbolLoader& loader, void* gst, GstLibrary* g) {
  loader.Resolve(gst, "gst_sample_get_buffer", &g->sample_get_buffer);
  loader.Resolve(gst, "gst_sample_get_caps", &g->sample_get_caps);
  loader.Resolve(gst, "gst_sample_get_segment", &g->sample_get_segment);
  loader.Resolve(gst, "gst_segment_to_running_time", &g->segment_to_running_time);
  loader.Resolve(gst, "gst_buffer_get_type", &g->buffer_get_type);
  loader.Resolve(gst, "gst_buffer_get_size", &g->buffer_get_size);
  loader.Resolve(gst, "gst_buffer_map", &g->buffer_map);
  loader.Resolve(gst, "gst_buffer_unmap", &g->buffer_unmap);
  loader.Resolve(gst, "gst_caps_from_string", &g->caps_from_string);
  loader.Resolve(gst, "gst_caps_get_size", &g->caps_get_size);
  loader.Resolve(gst, "gst_caps_get_structure", &g->caps_get_structure);
  loader.Resolve(gst, "gst_caps_is_empty", &g->caps_is_empty);
  loader.Resolve(gst, "gst_caps_can_intersect", &g->caps_can_intersect);
  loader.Resolve(gst, "gst_structure_get_name", &g->structure_get_name);
  loader.Resolve(gst, "gst_structure_get_int", &g->structure_get_int);
  loader.Resolve(gst, "gst_structure_get_fraction", &g->structure_get_fraction);
  loader.Resolve(gst, "gst_structure_get_value", &g->structure_get_value);
}

Status Load(GstLibrary* g) {
  SymbolLoader loader("camera capture uses it", "GStreamer");
  ResolveGlib(loader, g);
  void* gst = loader.Open("libgstreamer-1.0.so.0", "gstreamer1.0-plugins-base");
  void* app = loader.Open("libgstapp-1.0.so.0", "gstreamer1.0-plugins-base");
  ResolveElements(loader, gst, g);
  ResolveData(loader, gst, g);
  loader.Resolve(app, "gst_app_sink_try_pull_sample", &g->app_sink_try_pull_sample);
  KEDGE_RETURN_IF_ERROR(loader.status());
  GError* err = nullptr;
  if (!g->init_check(nullptr, nullptr, &err)) {
    std::string error =
        std::string("GStreamer could not start: ") + (err ? err->message : "unknown error");
    if (err) g->error_free(err);
    return FailedPreconditionError(error);
  }
  return Status();
}

}  // namespace

StatusOr<const GstLibrary*> LoadGstLibrary() {
  static Status loaded;
  static std::once_flag once;
  std::call_once(once, [] { loaded = Load(&g_library); });
  if (!loaded.ok()) return loaded;
  return &g_library;
}

const GstLibrary& Gst() { return g_library; }

}  // namespace kedge::video
