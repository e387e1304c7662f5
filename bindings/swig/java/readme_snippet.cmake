# Runs the Java snippet of docs/bindings-python-java.md: cmake -DDOC=... -DJAR=... -DJAVA=... -DOUT=... -P readme_snippet.cmake
file(READ ${DOC} text)
string(REGEX MATCH "```java\n([^`]*)```" _ "${text}")
if(NOT CMAKE_MATCH_1)
  message(FATAL_ERROR "no ```java block in ${DOC}")
endif()
file(MAKE_DIRECTORY ${OUT})
file(WRITE ${OUT}/ReadmeSnippet.java
"import java.util.Map;\nimport org.geomrt.Runtime;\n\npublic class ReadmeSnippet {\n    public static void main(String[] args) {\n${CMAKE_MATCH_1}    }\n}\n")
execute_process(COMMAND ${JAVA} -cp ${JAR} ${OUT}/ReadmeSnippet.java RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the README snippet failed (${rc})")
endif()
